"""Walking skeleton, end to end: the real binary on loopback against the fake Graph API."""
import hashlib
import json
import os
import signal
import socket
import ssl
import subprocess
import tempfile
import threading
import time
import unittest

from harness import (API_KEY, BIN, LOG_ROOT, TOKEN, FakeGraph, Sidetag, base_config, capi_event, now, wait_for)


def sha(s):
    return hashlib.sha256(s.encode()).hexdigest()


class SkeletonTest(unittest.TestCase):
    def setUp(self):
        self.fake = FakeGraph().start()
        self.graph_url = f"http://127.0.0.1:{self.fake.port}"
        self.st = None

    def tearDown(self):
        if self.st:
            self.st.cleanup()
        self.fake.stop()

    def start(self, **kw):
        self.st = Sidetag(base_config(self.graph_url, "{workdir}", **kw)).start()
        return self.st

    def test_health_ready_and_json_errors(self):
        st = self.start()
        self.assertEqual(st.request("GET", "/healthz")[0], 200)
        status, _, body = st.request("GET", "/readyz")
        self.assertEqual(status, 200, body)
        self.assertTrue(body["ready"])
        status, headers, body = st.request("GET", "/nope")
        self.assertEqual(status, 404)
        self.assertEqual(body["error"]["status"], 404)
        self.assertIn("application/json", headers["Content-Type"])
        status, headers, body = st.request("GET", "/v1/events")
        self.assertEqual(status, 405)
        self.assertEqual(headers["Allow"], "POST")
        self.assertEqual(body["error"]["status"], 405)

    def test_event_reaches_graph_with_hashed_user_data_and_token_in_body(self):
        st = self.start()
        status, headers, body = st.post_events([capi_event(1)])
        self.assertEqual(status, 200, body)
        self.assertEqual(body["accepted"], 1)
        ev = body["events"][0]
        self.assertEqual(ev["status"], "accepted")
        self.assertEqual(len(ev["trace_id"]), 32)
        self.assertEqual(headers["X-Trace-Id"], body["trace_id"])
        reqs = wait_for(lambda: self.fake.ok_requests(), timeout=5)
        self.assertEqual(len(reqs), 1)
        r = reqs[0]
        self.assertEqual(r["path"], "/v26.0/1234567890/events")
        self.assertEqual(r["query"], {}, "the token must not travel in the URL")
        self.assertEqual(r["body"]["access_token"], TOKEN)
        self.assertEqual(r["body"]["test_event_code"], "TEST123")
        sent = r["body"]["data"][0]
        self.assertEqual(sent["event_name"], "Purchase")
        self.assertEqual(sent["event_id"], "ev-1")
        self.assertEqual(sent["user_data"]["em"], [sha("customer1@example.com")])
        self.assertEqual(sent["user_data"]["ph"], [sha("16505551212")])
        self.assertEqual(sent["user_data"]["client_ip_address"], "203.0.113.7")
        self.assertEqual(sent["custom_data"], {"value": 19.99, "currency": "EUR"})

    def test_auth_required(self):
        st = self.start()
        status, headers, body = st.post_events([capi_event()], key="wrong-key-000000000000")
        self.assertEqual(status, 401)
        self.assertEqual(headers.get("WWW-Authenticate"), "Bearer")
        status, _, _ = st.request("POST", "/v1/events", {"data": [capi_event()]})
        self.assertEqual(status, 401)
        time.sleep(0.2)
        self.assertEqual(self.fake.requests, [])

    def test_per_event_results_and_malformed_input(self):
        st = self.start()
        good = capi_event(1)
        no_name = capi_event(2)
        del no_name["event_name"]
        old = capi_event(3, event_time=now() - 8 * 86400)
        status, _, body = st.post_events([good, no_name, old, "not-an-object"])
        self.assertEqual(status, 200, body)
        self.assertEqual([e["status"] for e in body["events"]], ["accepted", "rejected", "rejected", "rejected"])
        self.assertIn("event_name", body["events"][1]["reason"])
        self.assertIn("7-day", body["events"][2]["reason"])
        self.assertEqual(body["events"][3]["stage"], "ingest")
        for bad in [b"", b"{", b"[]", b'{"data": 5}', b"\xff\xfe", b"[" * 100 + b"]" * 100]:
            status, _, body = st.request("POST", "/v1/events", bad, {"Authorization": f"Bearer {API_KEY}"})
            self.assertEqual(status, 400, bad)
            self.assertIn("message", body["error"])
        status, _, body = st.post_events([no_name])
        self.assertEqual(status, 422)

    def test_limits(self):
        st = self.start()
        # The announced length is enough: sidetag answers 413 before reading the body (a client still sending the
        # body may see a broken pipe, so the body is not sent here).
        s = socket.create_connection(("127.0.0.1", st.port), timeout=5)
        s.sendall(b"POST /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + API_KEY.encode() +
                  b"\r\nContent-Length: " + str(1024 * 1024 + 10).encode() + b"\r\n\r\n")
        answer = s.recv(4096).decode()
        s.close()
        self.assertTrue(answer.startswith("HTTP/1.1 413"), answer)
        self.assertIn('"status":413', answer)
        status, _, _ = st.request("GET", "/healthz", headers={"X-Big": "a" * 20000})
        self.assertEqual(status, 431)
        status, _, _ = st.request("GET", "/healthz?" + "q" * 9000)
        self.assertIn(status, (414, 431))
        # The server still answers afterwards.
        self.assertEqual(st.request("GET", "/healthz")[0], 200)

    def test_traceparent_is_continued(self):
        st = self.start()
        tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        status, headers, body = st.post_events([capi_event(1)], headers={"traceparent": tp})
        self.assertEqual(status, 200)
        self.assertEqual(headers["X-Trace-Id"], "4bf92f3577b34da6a3ce929d0e0e4736")
        self.assertEqual(body["events"][0]["trace_id"], "4bf92f3577b34da6a3ce929d0e0e4736")

    def test_keep_alive_and_slow_header_timeout(self):
        extra = ""
        cfg = base_config(self.graph_url, "{workdir}").replace("  threads: 2\n", "  threads: 2\n  header_timeout_ms: 300\n")
        self.st = st = Sidetag(cfg).start()
        import http.client
        conn = http.client.HTTPConnection("127.0.0.1", st.port, timeout=5)
        for _ in range(3):
            conn.request("GET", "/healthz")
            r = conn.getresponse()
            r.read()
            self.assertEqual(r.status, 200)
        conn.close()
        s = socket.create_connection(("127.0.0.1", st.port))
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # never finishes the header
        s.settimeout(5)
        t0 = time.time()
        data = s.recv(100)
        self.assertEqual(data, b"", "a slow client is disconnected")
        self.assertLess(time.time() - t0, 3)
        s.close()

    def test_metrics(self):
        st = self.start()
        st.post_events([capi_event(1)])
        wait_for(lambda: self.fake.ok_requests(), timeout=5)
        # The fake records the batch before sidetag has read its answer and counted the delivery: wait for the count.
        delivered = 'sidetag_dispatch_events_total{outcome="delivered"} 1'
        wait_for(lambda: delivered in st.request("GET", "/metrics")[2], timeout=5)
        status, headers, text = st.request("GET", "/metrics")
        self.assertEqual(status, 200)
        self.assertIn("text/plain", headers["Content-Type"])
        self.assertIn('sidetag_http_requests_total{route="/v1/events",status="200"} 1', text)
        self.assertIn('sidetag_events_received_total{source="backend"} 1', text)
        self.assertIn('sidetag_stage_events_total{stage="prep",outcome="ok"} 1', text)
        self.assertIn('sidetag_stage_duration_seconds_bucket{stage="validate",le="+Inf"} 1', text)
        self.assertIn('sidetag_dispatch_events_total{outcome="delivered"} 1', text)

    def test_structured_logs_carry_trace_id_per_stage(self):
        cfg = base_config(self.graph_url, "{workdir}", level="debug")
        self.st = st = Sidetag(cfg).start()
        _, _, body = st.post_events([capi_event(5)])
        tid = body["events"][0]["trace_id"]
        wait_for(lambda: self.fake.ok_requests(), timeout=5)
        st.stop()
        lines = [l for l in st.log_lines() if l.get("trace_id") == tid]
        stages = [l["stage"] for l in lines if l.get("msg") == "stage"]
        self.assertEqual(stages, ["ingest", "prep", "assemble", "enrich", "validate", "dispatch"])
        summary = [l for l in lines if l.get("msg") == "event"]
        self.assertEqual(len(summary), 1)
        self.assertEqual(set(summary[0]["stages"]), {"ingest", "prep", "assemble", "enrich", "validate", "dispatch"})
        for l in lines:
            for key in ("ts", "level", "env", "trace_id", "stage"):
                self.assertIn(key, l)
        batch = [l for l in st.log_lines() if l.get("msg") == "Graph API batch"]
        self.assertEqual(batch[0]["trace_ids"], [tid])
        self.assertEqual(batch[0]["http_status"], 200)
        self.assertTrue(batch[0]["fbtrace_id"])
        # Raw PII stays out of the logs unless debug_pii is set in a non-prod environment.
        self.assertNotIn("customer5@example.com", st.logs().lower())

    def test_sigterm_during_burst_delivers_every_accepted_event(self):
        st = self.start(batch_delay_ms=500)
        accepted = []
        lock = threading.Lock()
        stop = threading.Event()

        def client(n):
            i = 0
            while not stop.is_set():
                try:
                    status, _, body = st.post_events([capi_event(n * 100000 + i)])
                except (ConnectionError, OSError):
                    return
                if status == 200:
                    with lock:
                        accepted.append(body["events"][0]["event_id"])
                i += 1

        threads = [threading.Thread(target=client, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        time.sleep(0.7)
        st.send_signal(signal.SIGTERM)
        code = st.proc.wait(20)
        stop.set()
        for t in threads:
            t.join()
        self.assertEqual(code, 0)
        self.assertGreater(len(accepted), 20)
        delivered = {e["event_id"] for e in self.fake.delivered_events()}
        missing = set(accepted) - delivered
        self.assertEqual(missing, set(), f"{len(missing)} accepted events were not delivered")

    def test_readyz_503_while_draining(self):
        self.fake.configure(delay_rate=1.0, delay_s=1.5)
        st = self.start(batch_delay_ms=0)
        st.post_events([capi_event(1)])
        time.sleep(0.1)
        st.send_signal(signal.SIGTERM)
        # The listener is closed during the drain; readiness flips first, so a probe that still gets through sees 503.
        code = st.proc.wait(20)
        self.assertEqual(code, 0)
        self.assertEqual(len(self.fake.ok_requests()), 1)

    def test_sighup_reload(self):
        st = self.start()
        self.assertEqual(st.request("POST", "/v2/events", {"data": []})[0], 404)
        with open(st.config_path) as f:
            cfg = f.read()
        # Invalid config: rejected, old keeps serving.
        with open(st.config_path, "w") as f:
            f.write(cfg.replace("graph_url:", "graph_urll:"))
        st.send_signal(signal.SIGHUP)
        self.assertTrue(wait_for(lambda: "configuration reload rejected" in st.logs(), timeout=5))
        self.assertEqual(st.post_events([capi_event(1)])[0], 200)
        # Valid config with a new source path: takes over.
        with open(st.config_path, "w") as f:
            f.write(cfg.replace("path: /v1/events", "path: /v2/events"))
        st.send_signal(signal.SIGHUP)
        self.assertTrue(wait_for(lambda: "configuration reloaded" in st.logs(), timeout=5))
        self.assertEqual(st.post_events([capi_event(2)], path="/v2/events")[0], 200)
        self.assertEqual(st.post_events([capi_event(3)])[0], 404)

    def test_tls_listener(self):
        d = tempfile.mkdtemp()
        cert, key = os.path.join(d, "c.pem"), os.path.join(d, "k.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                        "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
                       check=True, capture_output=True)
        cfg = base_config(self.graph_url, "{workdir}").replace(
            "  threads: 2\n", f"  threads: 2\n  tls:\n    cert_file: {cert}\n    key_file: {key}\n")
        self.st = st = Sidetag(cfg).start()
        ctx = ssl.create_default_context(cafile=cert)
        import http.client
        conn = http.client.HTTPSConnection("localhost", st.port, context=ctx, timeout=5)
        conn.request("GET", "/healthz")
        r = conn.getresponse()
        self.assertEqual(r.status, 200)
        self.assertEqual(json.loads(r.read()), {"status": "alive"})
        conn.close()


class SandboxTest(unittest.TestCase):
    def test_dev_sandbox_records_the_graph_request(self):
        cfg = base_config("https://graph.facebook.com", "{workdir}", env="dev", dispatch="sandbox")
        st = Sidetag(cfg, env="dev").start()
        try:
            status, _, body = st.post_events([capi_event(7)])
            self.assertEqual(status, 200, body)
            path = os.path.join(st.dir, "sandbox.ndjson")
            self.assertTrue(wait_for(lambda: os.path.exists(path) and os.path.getsize(path) > 0, timeout=5))
            with open(path) as f:
                rec = json.loads(f.read().splitlines()[0])
            self.assertEqual(rec["url"], "https://graph.facebook.com/v26.0/1234567890/events")
            self.assertEqual(rec["body"]["data"][0]["user_data"]["em"], [sha("customer7@example.com")])
            self.assertEqual(rec["body"]["access_token"], "[redacted]")
            self.assertIn("sandbox: Graph API request recorded", st.logs())
        finally:
            st.cleanup()


class VersionCommandTest(unittest.TestCase):
    def test_default_build_runs_on_mimalloc(self):
        # The default build links mimalloc; main() checks that malloc() really comes from it (symbol interposition)
        # instead of assuming so. SIDETAG_EXPECT_ALLOCATOR lets a -DSIDETAG_MIMALLOC=OFF build run this suite.
        r = subprocess.run([BIN, "version"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        expected = os.environ.get("SIDETAG_EXPECT_ALLOCATOR", "mimalloc 2.")
        self.assertIn(f"allocator: {expected}", r.stdout)


class ValidateCommandTest(unittest.TestCase):
    def run_validate(self, text, *args):
        d = tempfile.mkdtemp()
        p = os.path.join(d, "c.yaml")
        with open(p, "w") as f:
            f.write(text)
        return subprocess.run([BIN, "validate", "--config", p, *args], capture_output=True, text=True,
                              env=dict(os.environ, META_TOKEN=TOKEN))

    def test_misspelled_key_names_key_and_line(self):
        text = base_config("https://graph.facebook.com", "/tmp").replace("  api_version", "  api_verison") \
            .replace("  dispatch: live", "  dispatch: live\n  api_verison: v26.0")
        r = self.run_validate(text, "--env", "test")
        self.assertEqual(r.returncode, 78, r.stdout + r.stderr)
        line = [i + 1 for i, l in enumerate(text.splitlines()) if "api_verison" in l][0]
        self.assertIn(f"meta.api_verison (line {line}): unknown key 'api_verison' (did you mean 'api_version'?)", r.stderr)

    def test_valid_config_and_shipped_example(self):
        r = self.run_validate(base_config("https://graph.facebook.com", "/tmp"))
        self.assertEqual(r.returncode, 0, r.stderr)
        example = os.path.join(os.path.dirname(__file__), "..", "..", "config", "sidetag.yaml")
        r = subprocess.run([BIN, "validate", "--config", example], capture_output=True, text=True,
                           env=dict(os.environ, META_ACCESS_TOKEN="EAAexample", SIDETAG_API_KEY="k" * 32))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("env prod", r.stdout)

    def test_non_prod_live_without_test_event_code_is_refused(self):
        text = base_config("https://graph.facebook.com", "/tmp", env="staging").replace("test_event_code: TEST123", "app_secret: ''")
        r = self.run_validate(text, "--env", "staging")
        self.assertEqual(r.returncode, 78)
        self.assertIn("test_event_code", r.stderr)


if __name__ == "__main__":
    unittest.main()
