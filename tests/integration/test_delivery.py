"""Delivery that loses nothing: retries under failure injection, bisection + dead letters, paused pixels, the disk
spool across kill -9, backpressure, drain reports, token never in a URL, TLS hostname verification."""
import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import unittest
from collections import defaultdict

from harness import (API_KEY, BIN, TOKEN, FakeGraph, Sidetag, base_config, capi_event, now, wait_for)

PIXEL = "1234567890"
NEW_TOKEN = "EAAnewtoken" + "y" * 40  # the rotated token: must never be logged either


def config(graph_url, durability="disk", spool_dir="{workdir}/spool", request_timeout_ms=1000, max_queue_bytes=None,
           ca_file=None, grace_s=10, batch_delay_ms=50, fsync_ms=5):
    text = base_config(graph_url, "{workdir}", batch_delay_ms=batch_delay_ms, grace_s=grace_s)
    meta_extra = f"  request_timeout_ms: {request_timeout_ms}\n  connect_timeout_ms: 1000\n"
    if ca_file:
        meta_extra += f"  ca_file: {ca_file}\n"
    text = text.replace("  dispatch: live\n", "  dispatch: live\n" + meta_extra)
    delivery = f"delivery:\n  durability: {durability}\n  spool_dir: {spool_dir}\n  fsync_interval_ms: {fsync_ms}\n"
    if max_queue_bytes:
        delivery += f"  max_queue_bytes: {max_queue_bytes}\n"
    text = text.replace("delivery:\n  spool_dir: {workdir}/spool\n", "")  # the harness default, replaced here
    return text.replace("environments:\n", delivery + "environments:\n")


def delivered_ids(fake, answered_only=True):
    reqs = fake.answered_ok_requests() if answered_only else fake.ok_requests()
    out = defaultdict(list)
    for r in reqs:
        for ev in r["body"]["data"]:
            out[ev["event_id"]].append(ev)
    return out


def metric(st, name_and_labels):
    _, _, text = st.request("GET", "/metrics")
    for line in text.splitlines():
        if line.startswith(name_and_labels + " "):
            return float(line.split()[-1])
    return None


class DeliveryTest(unittest.TestCase):
    def setUp(self):
        self.fake = FakeGraph().start()
        self.graph_url = f"http://127.0.0.1:{self.fake.port}"
        self.procs = []
        self.tmp = tempfile.mkdtemp(prefix="sidetag-delivery-")

    def tearDown(self):
        for st in self.procs:
            st.cleanup()
        self.fake.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def start(self, text, name="delivery"):
        st = Sidetag(text, name=name)
        self.procs.append(st)
        return st.start()

    def post_all(self, st, events, chunk=500):
        """Posts events in chunks; retries a chunk answered 503 (backpressure). Returns the accepted event_ids."""
        accepted = []
        for i in range(0, len(events), chunk):
            part = events[i:i + chunk]
            for _ in range(100):
                status, headers, body = st.post_events(part)
                if status != 503:
                    break
                time.sleep(float(headers.get("Retry-After", "1")) / 10)
            self.assertEqual(status, 200, body)
            self.assertEqual(body["accepted"], len(part), body)
            accepted += [e["event_id"] for e in body["events"]]
        return accepted

    # (a) 30 % 5xx, 10 s hangs (the client times out after 1 s) and 429 / code 17 bursts: 20,000 events arrive.
    def test_a_every_event_arrives_despite_failures(self):
        self.fake.configure(seed=11, fail_rate=0.3, fail_status=503, delay_rate=0.05, delay_s=10,
                            statuses=[429, 429, 200, 429])
        st = self.start(config(self.graph_url))
        total = 20000
        events = [capi_event(i) for i in range(total)]
        accepted = []
        lock = threading.Lock()

        def client(part):
            ids = self.post_all(st, part)
            with lock:
                accepted.extend(ids)

        threads = [threading.Thread(target=client, args=(events[k::4],)) for k in range(4)]
        for t in threads:
            t.start()
        time.sleep(0.3)
        self.fake.configure(throttle_burst=3)  # a user-level (code 17) throttling burst in the middle of the load
        for t in threads:
            t.join()
        self.assertEqual(len(accepted), total)
        self.assertEqual(len(set(accepted)), total)
        ok = wait_for(lambda: len(delivered_ids(self.fake)) >= total, timeout=120, interval=0.5)
        got = delivered_ids(self.fake)
        self.assertTrue(ok, f"{total - len(got)} of {total} events missing")
        self.assertEqual(set(got), set(accepted), "distinct delivered event_ids == accepted")
        # Duplicates (retries after a timeout whose request Meta did process) are the same event, same event_id.
        for eid, copies in got.items():
            if len(copies) > 1:
                self.assertTrue(all(c == copies[0] for c in copies), eid)
        # The failures really happened, and were survived by retrying.
        statuses = [r["status"] for r in self.fake.requests]
        self.assertGreater(statuses.count(503), 3, statuses)
        self.assertGreaterEqual(statuses.count(429), 3)
        self.assertTrue(any(r.get("delayed") for r in self.fake.requests), "no request hit the 10 s delay")
        logs = st.log_lines()
        self.assertTrue(any(l.get("msg", "").startswith("throttled by Meta") and l.get("scope") in ("app", "user")
                            for l in logs), "throttling must pause its scope")
        batches = [l for l in logs if l.get("msg") == "Graph API batch" and l.get("http_status") == 200]
        self.assertLess(len(batches), total / 50, "events must travel in batches, not one per request")
        for l in batches[:5]:
            for key in ("env", "pixel_id", "batch_size", "trace_ids", "http_status", "events_received", "fbtrace_id"):
                self.assertIn(key, l)
            self.assertEqual(l["events_received"], l["batch_size"])
        # Every accepted event left the spool: nothing is acknowledged twice or left behind.
        self.assertEqual(st.stop(), 0)
        self.assertTrue(any(l.get("msg") == "spool closed" and l.get("unacknowledged") == 0 for l in st.log_lines()))

    # (b) One bad event among 1000: bisection delivers 999, dead-letters 1 with Meta's answer; the dlq CLI.
    def test_b_bad_event_is_isolated_and_dead_lettered(self):
        self.fake.configure(bad_event_id="ev-617")
        st = self.start(config(self.graph_url, batch_delay_ms=300))
        accepted = self.post_all(st, [capi_event(i) for i in range(1000)])
        self.assertEqual(len(accepted), 1000)
        dl_path = os.path.join(st.dir, "dead-letters.ndjson")
        self.assertTrue(wait_for(lambda: len(delivered_ids(self.fake)) == 999 and os.path.exists(dl_path), timeout=30))
        time.sleep(0.3)
        got = delivered_ids(self.fake)
        self.assertEqual(len(got), 999)
        self.assertNotIn("ev-617", got)
        with open(dl_path) as f:
            recs = [json.loads(l) for l in f if l.strip()]
        self.assertEqual(len(recs), 1)
        rec = recs[0]
        self.assertEqual(rec["event"]["event_id"], "ev-617")
        self.assertEqual(rec["pixel_id"], PIXEL)
        self.assertEqual(len(rec["trace_id"]), 32)
        self.assertEqual(rec["meta_response"]["message"], "This event has insufficient customer information.")
        self.assertEqual(rec["meta_response"]["code"], 100)
        self.assertEqual(rec["meta_response"]["error_subcode"], 2804050)
        self.assertTrue(rec["meta_response"]["fbtrace_id"].startswith("F"))
        self.assertIn("insufficient customer information", rec["reason"])
        self.assertNotIn(TOKEN, json.dumps(rec))

        env = dict(os.environ, META_TOKEN=TOKEN)
        # dlq list (text and JSON), --since filters.
        r = subprocess.run([BIN, "dlq", "list", "--file", dl_path], capture_output=True, text=True, env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("ev-617", r.stdout)
        self.assertIn(rec["meta_response"]["fbtrace_id"], r.stdout)
        r = subprocess.run([BIN, "dlq", "list", "--json", "--config", st.config_path, "--env", "test"],
                           capture_output=True, text=True, env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual([json.loads(l)["id"] for l in r.stdout.splitlines()], [rec["id"]])
        r = subprocess.run([BIN, "dlq", "list", "--json", "--file", dl_path, "--since", "2099-01-01"],
                           capture_output=True, text=True, env=env)
        self.assertEqual(r.stdout.strip(), "")
        # dlq replay while Meta still rejects it: the record stays.
        r = subprocess.run([BIN, "dlq", "replay", "--config", st.config_path, "--env", "test", "--timeout", "20"],
                           capture_output=True, text=True, env=env)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("0 delivered", r.stdout)
        self.assertEqual(len(open(dl_path).read().splitlines()), 1)
        # Once Meta accepts it, replay delivers it and only then removes it.
        self.fake.configure(bad_event_id=None)
        r = subprocess.run([BIN, "dlq", "replay", "--config", st.config_path, "--env", "test", "--since", "1h"],
                           capture_output=True, text=True, env=env)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("1 delivered", r.stdout)
        self.assertIn("ev-617", delivered_ids(self.fake))
        self.assertEqual(open(dl_path).read().strip(), "")
        self.assertNotIn(TOKEN, r.stdout + r.stderr)
        # purge
        with open(dl_path, "a") as f:
            f.write(json.dumps({"id": "old", "ts_us": 1_000_000, "event": {}}) + "\n")
            f.write(json.dumps({"id": "new", "ts_us": int(time.time() * 1e6), "event": {}}) + "\n")
        r = subprocess.run([BIN, "dlq", "purge", "--file", dl_path, "--before", "1d"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("purged 1 record", r.stdout)
        self.assertEqual([json.loads(l)["id"] for l in open(dl_path).read().splitlines()], ["new"])

    # (c) Invalid token: pause + alert, nothing dead-lettered, backpressure at the byte budget, fixed by SIGHUP.
    def test_c_invalid_token_pauses_and_a_reload_resumes(self):
        self.fake.configure(tokens=[NEW_TOKEN])  # the configured TOKEN is now invalid (code 190)
        st = self.start(config(self.graph_url, max_queue_bytes=1048576))
        first = self.post_all(st, [capi_event(i) for i in range(50)])
        self.assertTrue(wait_for(lambda: any(l.get("alert") is True and "pixel paused" in l.get("msg", "")
                                             for l in st.log_lines()), timeout=10))
        alert = [l for l in st.log_lines() if l.get("alert") is True][0]
        self.assertEqual(alert["pixel_id"], PIXEL)
        self.assertEqual(alert["code"], 190)
        status, _, body = st.request("GET", "/readyz")
        self.assertEqual(status, 200, body)
        self.assertEqual([p["pixel_id"] for p in body["detail"]["paused_pixels"]], [PIXEL])
        self.assertEqual(body["detail"]["paused_pixels"][0]["code"], 190)
        self.assertEqual(metric(st, f'sidetag_pixel_paused{{pixel="{PIXEL}"}}'), 1)
        # Over the global byte budget: 503 + Retry-After, and the refused request is not accepted in part.
        accepted = list(first)
        refused = []
        i = 1000
        for _ in range(40):
            part = [capi_event(i + k) for k in range(400)]
            i += 400
            status, headers, body = st.post_events(part)
            if status == 503:
                self.assertIn("Retry-After", headers)
                self.assertIn("nothing from this request was accepted", body["error"]["message"])
                refused = [e["event_id"] for e in part]
                break
            self.assertEqual(status, 200)
            accepted += [e["event_id"] for e in body["events"]]
        self.assertTrue(refused, "the byte budget never pushed back")
        time.sleep(0.5)
        self.assertFalse(os.path.exists(os.path.join(st.dir, "dead-letters.ndjson")), "nothing is dead-lettered")
        self.assertEqual(delivered_ids(self.fake), {})
        # Rotate the token in the file, SIGHUP: the paused backlog probes at once with the new token.
        with open(st.config_path) as f:
            text = f.read()
        with open(st.config_path, "w") as f:
            f.write(text.replace('"${META_TOKEN}"', f'"{NEW_TOKEN}"'))
        st.send_signal(signal.SIGHUP)
        self.assertTrue(wait_for(lambda: set(delivered_ids(self.fake)) >= set(accepted), timeout=30),
                        f"{len(set(accepted) - set(delivered_ids(self.fake)))} not delivered after the fix")
        got = delivered_ids(self.fake)
        self.assertFalse(set(refused) & set(got), "events of a refused request must not be delivered")
        self.assertTrue(all(r["body"]["access_token"] == NEW_TOKEN for r in self.fake.ok_requests()))
        self.assertTrue(wait_for(lambda: metric(st, f'sidetag_pixel_paused{{pixel="{PIXEL}"}}') == 0, timeout=5))
        status, _, body = st.request("GET", "/readyz")
        self.assertEqual(body["detail"]["paused_pixels"], [])
        self.assertFalse(os.path.exists(os.path.join(st.dir, "dead-letters.ndjson")))
        st.stop()
        self.assertNotIn(NEW_TOKEN, st.logs())

    # (d) kill -9 under load with disk durability; the restart on the same spool delivers every acknowledged event.
    def test_d_kill_9_loses_nothing_acknowledged(self):
        spool = os.path.join(self.tmp, "spool")
        self.fake.configure(seed=5, fail_rate=0.8, delay_rate=0.2, delay_s=0.5)
        text = config(self.graph_url, spool_dir=spool, request_timeout_ms=400)
        st = self.start(text, name="delivery-kill")
        accepted = []
        lock = threading.Lock()
        stop = threading.Event()

        def client(n):
            i = 0
            while not stop.is_set():
                events = [capi_event(n * 1_000_000 + i + k) for k in range(20)]
                i += 20
                try:
                    status, _, body = st.post_events(events)
                except (ConnectionError, OSError):
                    return
                if status == 200:
                    with lock:
                        accepted.extend(e["event_id"] for e in body["events"] if e["status"] == "accepted")

        threads = [threading.Thread(target=client, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        time.sleep(1.5)
        st.proc.kill()  # SIGKILL: no drain, no flush
        st.proc.wait()
        stop.set()
        for t in threads:
            t.join()
        self.assertGreater(len(accepted), 200)
        before = set(delivered_ids(self.fake))
        self.assertLess(len(before & set(accepted)), len(accepted), "the kill must leave work for the restart")
        self.fake.configure(fail_rate=0.0, delay_rate=0.0)
        st2 = self.start(text, name="delivery-restart")
        self.assertTrue(wait_for(lambda: set(delivered_ids(self.fake)) >= set(accepted), timeout=30),
                        f"{len(set(accepted) - set(delivered_ids(self.fake)))} acknowledged events lost")
        replayed = [l for l in st2.log_lines() if l.get("msg", "").startswith("spool replayed")]
        self.assertTrue(replayed and replayed[0]["events"] > 0)
        self.assertEqual(st2.stop(), 0)

    # (e) The token travels in the body only; TLS to a certificate naming another host fails.
    def test_e_token_never_in_url_and_tls_hostname_verified(self):
        d = self.tmp
        ca_key, ca = os.path.join(d, "ca.key"), os.path.join(d, "ca.pem")

        def run(*args):
            subprocess.run(list(args), check=True, capture_output=True)

        run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca_key, "-out", ca, "-days", "1",
            "-subj", "/CN=sidetag test CA", "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign")

        def leaf(name, san):
            key, csr, crt, ext = (os.path.join(d, f"{name}.{x}") for x in ("key", "csr", "pem", "ext"))
            run("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr, "-subj", f"/CN={name}")
            with open(ext, "w") as f:
                f.write(f"subjectAltName={san}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n")
            run("openssl", "x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial", "-out", crt,
                "-days", "1", "-extfile", ext)
            return crt, key

        good = leaf("localhost", "DNS:localhost")
        bad = leaf("other.example", "DNS:other.example")

        # Positive control: the test CA and a certificate for localhost work.
        tls_ok = FakeGraph(tls_cert=good[0], tls_key=good[1]).start()
        try:
            st = self.start(config(f"https://localhost:{tls_ok.port}", ca_file=ca), name="delivery-tls-ok")
            st.post_events([capi_event(1), capi_event(2)])
            self.assertTrue(wait_for(lambda: len(tls_ok.ok_requests()) >= 1, timeout=10), st.logs()[-2000:])
            for r in tls_ok.requests:
                self.assertEqual(r["query"], {})
                self.assertNotIn(TOKEN, r["path"])
                self.assertEqual(r["body"]["access_token"], TOKEN)
            st.stop()
        finally:
            tls_ok.stop()

        # Same CA, certificate for another host: the handshake fails, nothing reaches the server, nothing is lost.
        tls_bad = FakeGraph(tls_cert=bad[0], tls_key=bad[1]).start()
        try:
            st = self.start(config(f"https://localhost:{tls_bad.port}", ca_file=ca), name="delivery-tls-bad")
            status, _, _ = st.post_events([capi_event(3)])
            self.assertEqual(status, 200)
            self.assertTrue(wait_for(lambda: any(l.get("msg") == "Graph API batch" and l.get("attempt", 0) >= 1
                                                 for l in st.log_lines()), timeout=10))
            batches = [l for l in st.log_lines() if l.get("msg") == "Graph API batch"]
            self.assertTrue(all(l["http_status"] == 0 for l in batches))
            self.assertTrue(any("verif" in l["error"]["message"].lower() or "certificate" in l["error"]["message"].lower()
                                for l in batches), batches[0])
            self.assertEqual(tls_bad.requests, [], "no HTTP request may go to a host with the wrong certificate")
        finally:
            tls_bad.stop()

        # Plain HTTP fake: every request of a load, token in the body only.
        st = self.start(config(self.graph_url), name="delivery-url")
        self.post_all(st, [capi_event(i) for i in range(300)], chunk=100)
        self.assertTrue(wait_for(lambda: len(delivered_ids(self.fake)) == 300, timeout=10))
        for r in self.fake.requests:
            self.assertEqual(r["query"], {})
            self.assertNotIn(TOKEN, r["path"])
            self.assertNotIn("access_token", r["path"])

    # (f) Graceful drain: with memory durability what cannot go is reported lost with trace_ids; with disk it stays
    # in the spool and goes after the restart.
    def test_f_drain_reports_lost_in_memory_and_keeps_on_disk(self):
        self.fake.configure(invalid_token=True)
        st = self.start(config(self.graph_url, durability="memory", grace_s=1), name="delivery-memory")
        _, _, body = st.post_events([capi_event(i) for i in range(5)])
        tids = {e["trace_id"] for e in body["events"]}
        self.assertTrue(wait_for(lambda: "pixel paused" in st.logs(), timeout=10))
        self.assertEqual(st.stop(), 0)
        lost = [l for l in st.log_lines() if l.get("lost") is True]
        self.assertEqual(len(lost), 1, st.logs()[-3000:])
        self.assertEqual(lost[0]["events"], 5)
        self.assertEqual(set(lost[0]["trace_ids"]), tids)

        spool = os.path.join(self.tmp, "spool-f")
        text = config(self.graph_url, spool_dir=spool, grace_s=1)
        st = self.start(text, name="delivery-disk")
        accepted = self.post_all(st, [capi_event(100 + i) for i in range(5)])
        self.assertTrue(wait_for(lambda: "pixel paused" in st.logs(), timeout=10))
        self.assertEqual(st.stop(), 0)
        kept = [l for l in st.log_lines() if "stay in the spool" in l.get("msg", "")]
        self.assertEqual(kept[0]["events"], 5)
        self.fake.configure(invalid_token=False)
        st = self.start(text, name="delivery-disk-2")
        self.assertTrue(wait_for(lambda: set(delivered_ids(self.fake)) >= set(accepted), timeout=10))

    # (g) Business-use-case throttling (80000-80014): the token's queues wait for X-Business-Use-Case-Usage's
    # estimated_time_to_regain_access instead of retrying each batch.
    def test_g_business_throttle_honours_regain_time(self):
        self.fake.configure(throttle_burst=1, throttle_code=80004, regain_minutes=0.03)  # 1.8 s
        st = self.start(config(self.graph_url))
        accepted = self.post_all(st, [capi_event(i) for i in range(10)])
        self.assertTrue(wait_for(lambda: set(delivered_ids(self.fake)) >= set(accepted), timeout=10))
        reqs = self.fake.requests
        self.assertEqual(reqs[0]["status"], 400)
        self.assertEqual(len(reqs), 2, "one throttled request, then one after the regain time: no retry loop")
        self.assertGreaterEqual(reqs[1]["ts"] - reqs[0]["ts"], 1.7)
        line = [l for l in st.log_lines() if l.get("msg", "").startswith("throttled by Meta")][0]
        self.assertEqual(line["scope"], "business")
        self.assertTrue(line["from_business_usage_header"])
        self.assertEqual(line["pause_ms"], 1800)

    # (h) An event accepted at the edge of Meta's window leaves it while it waits for its batch: it is dead-lettered
    # with the reason instead of failing the whole Graph batch; a store visit of the same age (62-day window) goes out.
    def test_h_event_leaving_the_window_before_delivery_is_dead_lettered(self):
        st = self.start(config(self.graph_url, batch_delay_ms=1500))
        edge = now() - 7 * 86400 + 30  # inside the window on arrival, within 60 s of its edge at send time
        web = capi_event(1, event_id="edge-web", event_time=edge)
        store = capi_event(2, event_id="edge-store", event_time=edge, action_source="physical_store")
        store.pop("event_source_url")
        self.assertEqual(self.post_all(st, [web, store]), ["edge-web", "edge-store"])
        dl_path = os.path.join(st.dir, "dead-letters.ndjson")
        self.assertTrue(wait_for(lambda: "edge-store" in delivered_ids(self.fake) and os.path.exists(dl_path), timeout=20))
        self.assertNotIn("edge-web", delivered_ids(self.fake))
        with open(dl_path) as f:
            recs = [json.loads(l) for l in f if l.strip()]
        self.assertEqual([r["event"]["event_id"] for r in recs], ["edge-web"])
        self.assertEqual(recs[0]["event"]["event_time"], edge)
        self.assertIn("left Meta's 7-day window before delivery", recs[0]["reason"])


if __name__ == "__main__":
    unittest.main()
