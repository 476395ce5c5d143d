"""The README's run command: scripts/run.sh builds and starts the embedded default (dev, sandbox), serves /healthz
within seconds, and the curl it prints produces a sandbox record with a correctly hashed em."""
import hashlib
import json
import os
import re
import signal
import socket
import subprocess
import time
import unittest
import urllib.error
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


class RunCommandTest(unittest.TestCase):
    def test_run_command_and_printed_curl(self):
        with socket.socket() as s:
            self.assertNotEqual(s.connect_ex(("127.0.0.1", 8080)), 0, "port 8080 is busy: the run command needs it")
        sandbox = os.path.join(ROOT, "var", "sandbox", "meta-requests.ndjson")
        before = os.path.getsize(sandbox) if os.path.exists(sandbox) else 0
        log = open(os.path.join(ROOT, "build", "run-command-test.log"), "w+")
        proc = subprocess.Popen(["bash", "scripts/run.sh"], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        try:
            t0 = time.time()
            ok = False
            while time.time() - t0 < 300:  # includes a (normally no-op) build
                try:
                    with urllib.request.urlopen("http://127.0.0.1:8080/healthz", timeout=1) as r:
                        ok = r.status == 200
                        break
                except OSError:
                    time.sleep(0.2)
            self.assertTrue(ok, "no /healthz answer")
            log.seek(0)
            out = log.read()
            m = re.search(r"^(  curl -s .*?\}\]\}')$", out, re.S | re.M)
            self.assertIsNotNone(m, out[-3000:])
            r = subprocess.run(["bash", "-c", m.group(1)], capture_output=True, text=True, timeout=10)
            body = json.loads(r.stdout)
            self.assertEqual(body["accepted"], 1, body)
            deadline = time.time() + 5
            while time.time() < deadline and (not os.path.exists(sandbox) or os.path.getsize(sandbox) <= before):
                time.sleep(0.1)
            with open(sandbox) as f:
                f.seek(before)
                records = [json.loads(l) for l in f.read().splitlines() if l]
            em = records[-1]["body"]["data"][0]["user_data"]["em"]
            self.assertEqual(em, [hashlib.sha256(b"jane.doe@example.com").hexdigest()])
            # Nothing leaves the machine in dev: an unknown path is the JSON 404, not a proxy attempt to Google.
            try:
                urllib.request.urlopen("http://127.0.0.1:8080/no-such-route", timeout=5)
                self.fail("GET /no-such-route did not fail")
            except urllib.error.HTTPError as e:
                body = e.read()
                self.assertEqual(e.code, 404, body)
                self.assertEqual(json.loads(body)["error"]["status"], 404)
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            self.assertEqual(proc.wait(30), 0)
            log.close()


if __name__ == "__main__":
    unittest.main()
