#!/usr/bin/env python3
"""Fake Meta Graph API for sidetag's tests: answers POST /{version}/{pixel}/events like Meta does and records what
it received. Standard library only.

Behaviour (developers.facebook.com/docs/marketing-api/conversions-api/using-the-api and
developers.facebook.com/docs/graph-api/guides/error-handling):
  * 200 {"events_received": n, "messages": [], "fbtrace_id": ...} for a valid request;
  * 400 Graph error envelope for invalid requests (missing data, > 1000 events, no access_token, event too old,
    a marked bad event: code 100, subcode 2804050 / 2804003), 190 for an unknown token when tokens are configured;
  * failure injection, set over HTTP (POST /_fake/config) or the constructor: fail_rate of 5xx, a fixed status
    sequence, delays (timeouts), 429 bursts, an invalid-token mode, a marker that makes any batch containing an
    event with that event_id fail with a permanent 400.
Control endpoints (not Meta's): GET /_fake/requests (recorded requests as JSON), POST /_fake/reset,
POST /_fake/config.

Run standalone: python3 fake_graph.py --port 0 [--tls-cert C --tls-key K]  (prints "PORT <n>" on stdout).
"""
import argparse
import json
import random
import ssl
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse, parse_qs


class FakeGraph:
    def __init__(self, host="127.0.0.1", port=0, tls_cert=None, tls_key=None):
        self.lock = threading.Lock()
        self.requests = []  # dicts: path, query, headers, body (parsed), status, ts
        self.config = {}
        self.reset()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _send(self, status, obj):
                extra = obj.pop("__headers__", {}) if isinstance(obj, dict) else {}
                data = json.dumps(obj).encode()
                self.send_response(status)
                for k, v in extra.items():
                    self.send_header(k, v)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                try:
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (its timeout was shorter than delay_s)

            def do_GET(self):
                if self.path.startswith("/_fake/requests"):
                    with fake.lock:
                        self._send(200, fake.requests)
                    return
                self._send(404, {"error": {"message": "Unknown path", "code": 803}})

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                if self.path == "/_fake/reset":
                    fake.reset()
                    self._send(200, {"ok": True})
                    return
                if self.path == "/_fake/config":
                    fake.configure(**json.loads(raw or b"{}"))
                    self._send(200, {"ok": True})
                    return
                status, body, delay = fake.answer(self.path, dict(self.headers), raw)
                if delay:
                    time.sleep(delay)
                if status is None:  # reset the connection without answering
                    self.close_connection = True
                    try:
                        self.connection.shutdown(2)
                    except OSError:
                        pass
                    return
                self._send(status, body)

        self.httpd = ThreadingHTTPServer((host, port), Handler)
        self.httpd.daemon_threads = True
        if tls_cert:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(tls_cert, tls_key)
            self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def reset(self):
        with self.lock:
            self.requests = []
            self.config = {"fail_rate": 0.0, "fail_status": 503, "statuses": [], "delay_s": 0.0, "delay_rate": 0.0,
                           "throttle_burst": 0, "bad_event_id": None, "invalid_token": False, "tokens": None,
                           "reset_rate": 0.0, "seed": None,
                           # throttle_burst answers: Meta code (17 user, 4 app, 613 pixel, 80004 business), HTTP
                           # status, and optionally X-Business-Use-Case-Usage's estimated_time_to_regain_access
                           "throttle_code": 17, "throttle_status": 400, "regain_minutes": None}
            self.rng = random.Random()

    def configure(self, **kw):
        with self.lock:
            self.config.update(kw)
            if kw.get("seed") is not None:
                self.rng = random.Random(kw["seed"])

    @staticmethod
    def error(status, code, message, subcode=None, transient=False):
        err = {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "F" + uuid.uuid4().hex[:10]}
        if subcode:
            err["error_subcode"] = subcode
        if transient:
            err["is_transient"] = True
        return status, {"error": err}

    def answer(self, path, headers, raw):
        parts = urlparse(path)
        query = parse_qs(parts.query)
        try:
            body = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            body = None
        rec = {"path": parts.path, "query": query, "headers": headers, "body": body, "ts": time.time()}
        with self.lock:
            cfg = dict(self.config)
            rng = self.rng
            status, resp, delay = self._decide(parts.path, body, cfg, rng)
            rec["status"] = status
            rec["delayed"] = bool(delay)  # answered after delay_s: the client may have given up (timeout)
            self.requests.append(rec)
        return status, resp, delay

    def _decide(self, path, body, cfg, rng):
        segs = [s for s in path.split("/") if s]
        if len(segs) != 3 or segs[2] != "events" or not segs[0].startswith("v"):
            return (*self.error(400, 100, "Unsupported post request."), 0)
        if cfg["statuses"]:
            st = cfg["statuses"].pop(0)
            self.config["statuses"] = cfg["statuses"]
            if st != 200:
                if st == 429:
                    return (*self.error(429, 4, "Application request limit reached"), 0)
                if st >= 500:
                    return (*self.error(st, 2, "Service temporarily unavailable", transient=True), 0)
                return (*self.error(st, 100, "Invalid parameter"), 0)
        if cfg["reset_rate"] and rng.random() < cfg["reset_rate"]:
            return None, None, 0
        if cfg["delay_rate"] and rng.random() < cfg["delay_rate"]:
            delay = cfg["delay_s"]
        else:
            delay = 0
        if cfg["throttle_burst"] > 0:
            self.config["throttle_burst"] = cfg["throttle_burst"] - 1
            code = cfg.get("throttle_code", 17)
            status, err = self.error(cfg.get("throttle_status", 400), code,
                                     "User request limit reached" if code == 17 else "Request limit reached",
                                     subcode=2446079 if code == 17 else None)
            if cfg.get("regain_minutes") is not None:
                err["__headers__"] = {"X-Business-Use-Case-Usage": json.dumps(
                    {"1234": [{"type": "ads_management", "call_count": 100, "total_cputime": 30, "total_time": 40,
                               "estimated_time_to_regain_access": cfg["regain_minutes"]}]})}
            return status, err, delay
        if cfg["fail_rate"] and rng.random() < cfg["fail_rate"]:
            return (*self.error(cfg["fail_status"], 1, "An unknown error occurred", transient=True), delay)
        if not isinstance(body, dict):
            return (*self.error(400, 100, "Invalid JSON body"), delay)
        token = body.get("access_token")
        if not token:
            return (*self.error(400, 190, "An active access token must be used to query information."), delay)
        if cfg["invalid_token"] or (cfg["tokens"] is not None and token not in cfg["tokens"]):
            return (*self.error(400, 190, "Invalid OAuth access token - Cannot parse access token", subcode=463), delay)
        data = body.get("data")
        if not isinstance(data, list) or not data:
            return (*self.error(400, 100, "The parameter data is required"), delay)
        if len(data) > 1000:
            return (*self.error(400, 100, "Batch size exceeds 1000 events"), delay)
        now = time.time()
        for ev in data:
            if not isinstance(ev, dict) or "event_name" not in ev or "event_time" not in ev or "action_source" not in ev:
                return (*self.error(400, 100, "Invalid parameter", subcode=2804019), delay)
            window = 62 * 86400 if ev.get("action_source") == "physical_store" else 7 * 86400
            if ev["event_time"] < now - window:
                return (*self.error(400, 100, "Invalid parameter", subcode=2804003), delay)
            if cfg["bad_event_id"] is not None and ev.get("event_id") == cfg["bad_event_id"]:
                status, err = self.error(400, 100, "Invalid parameter", subcode=2804050)
                err["error"]["error_user_msg"] = "This event has insufficient customer information."
                return status, err, delay
        return 200, {"events_received": len(data), "messages": [], "fbtrace_id": "A" + uuid.uuid4().hex[:10]}, delay

    # Helpers for tests.
    def ok_requests(self):
        with self.lock:
            return [r for r in self.requests if r["status"] == 200]

    def answered_ok_requests(self):
        """200s that were answered at once (not after delay_s, when the client had probably given up)."""
        with self.lock:
            return [r for r in self.requests if r["status"] == 200 and not r.get("delayed")]

    def delivered_events(self):
        out = []
        for r in self.ok_requests():
            out.extend(r["body"]["data"])
        return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--tls-cert")
    ap.add_argument("--tls-key")
    a = ap.parse_args()
    fake = FakeGraph(port=a.port, tls_cert=a.tls_cert, tls_key=a.tls_key).start()
    print("PORT", fake.port, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        fake.stop()


if __name__ == "__main__":
    sys.exit(main())
