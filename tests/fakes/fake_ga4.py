#!/usr/bin/env python3
"""Fake GA4 upstreams for sidetag's tests. Standard library only.

FakeGa4: plays Google's collector. Records every request (method, path, raw query, parsed query, headers, body)
and answers /g/collect with 204 like Google does (or with a configured failure status).

FakeSgtm: plays an existing server-side GTM container. Records requests the same way; answers /g/collect with 200
and a Set-Cookie (FPID-like), serves GET /gtm.js and /gtag/js with a JavaScript body and two Set-Cookie headers,
/ns.html with HTML, and echoes the Cookie header it received in `X-Fake-Received-Cookie`; anything else is 404.

Control endpoints: GET /_fake/requests (JSON list), POST /_fake/reset, POST /_fake/config {"status": 500}.
"""
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


class _QuietServer(ThreadingHTTPServer):
    """A client that gave up (sidetag's upstream timeout) is normal here: no traceback for a broken pipe."""

    def handle_error(self, request, client_address):
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            return
        super().handle_error(request, client_address)


class _FakeBase:
    name = "fake"

    def __init__(self, host="127.0.0.1", port=0):
        self.lock = threading.Lock()
        self.requests = []
        self.config = {"status": None, "delay_s": 0.0}
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _send(self, status, body=b"", headers=()):
                self.send_response(status)
                for k, v in headers:
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                parts = urlparse(self.path)
                if parts.path == "/_fake/requests":
                    with fake.lock:
                        data = json.dumps(fake.requests).encode()
                    return self._send(200, data, [("Content-Type", "application/json")])
                if parts.path == "/_fake/reset":
                    fake.reset()
                    return self._send(200, b"{}", [("Content-Type", "application/json")])
                if parts.path == "/_fake/config":
                    with fake.lock:
                        fake.config.update(json.loads(raw or b"{}"))
                    return self._send(200, b"{}", [("Content-Type", "application/json")])
                rec = {"method": self.command, "path": parts.path, "raw_query": parts.query,
                       "query": {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()},
                       "headers": {k.lower(): v for k, v in self.headers.items()},
                       "body": raw.decode("utf-8", "replace"), "ts": time.time()}
                with fake.lock:
                    fake.requests.append(rec)
                    cfg = dict(fake.config)
                if cfg["delay_s"]:
                    time.sleep(cfg["delay_s"])
                if cfg["status"]:
                    return self._send(cfg["status"], b"upstream failure", [("Content-Type", "text/plain")])
                status, body, headers = fake.answer(rec)
                self._send(status, body, headers)

            do_GET = do_POST = do_HEAD = do_PUT = do_OPTIONS = _handle

        self.httpd = _QuietServer((host, port), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
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
            self.config = {"status": None, "delay_s": 0.0}

    def configure(self, **kw):
        with self.lock:
            self.config.update(kw)

    def recorded(self, path=None):
        with self.lock:
            return [r for r in self.requests if path is None or r["path"] == path]

    def answer(self, rec):
        return 404, b"not found", [("Content-Type", "text/plain")]


class FakeGa4(_FakeBase):
    """Google's /g/collect collector."""

    def answer(self, rec):
        if rec["path"] == "/g/collect":
            return 204, b"", [("Content-Type", "text/plain"), ("Cache-Control", "no-cache, no-store, must-revalidate")]
        return 404, b"not found", [("Content-Type", "text/plain")]

    def hits(self):
        """Every event the collector received: the request query overlaid by each body line (like Google)."""
        out = []
        for r in self.recorded("/g/collect"):
            lines = [l for l in r["body"].replace("\r\n", "\n").split("\n") if l.strip()]
            for line in lines or [""]:
                ev = dict(r["query"])
                ev.update({k: v[0] for k, v in parse_qs(line, keep_blank_values=True).items()})
                out.append({"params": ev, "headers": r["headers"], "request": r})
        return out


class FakeSgtm(_FakeBase):
    """An existing server-side GTM container (collect + script serving)."""

    GTM_JS = b"/* fake gtm.js */ window.dataLayer = window.dataLayer || [];"

    def answer(self, rec):
        cookie = rec["headers"].get("cookie", "")
        if rec["path"] == "/g/collect":
            return 200, b"", [("Content-Type", "text/plain"), ("Set-Cookie", "FPID=FPID2.2.fromsgtm.1700000000; Path=/; HttpOnly")]
        if rec["path"] in ("/gtm.js", "/gtag/js"):
            return 200, self.GTM_JS, [("Content-Type", "application/javascript"),
                                      ("Set-Cookie", "_sgtm_a=one; Path=/; Max-Age=3600; Secure; SameSite=Lax"),
                                      ("Set-Cookie", "FPGSID=1.2.3; Path=/; Max-Age=1800; Secure"),
                                      ("X-Fake-Received-Cookie", cookie)]
        if rec["path"] == "/ns.html":
            return 200, b"<html><body>ns</body></html>", [("Content-Type", "text/html")]
        return 404, b"not found", [("Content-Type", "text/plain")]
