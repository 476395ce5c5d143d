"""Starts the real sidetag binary on an ephemeral loopback port against fakes, for integration tests."""
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "fakes"))
from fake_graph import FakeGraph  # noqa: E402

BIN = os.environ.get("SIDETAG_BIN", os.path.join(HERE, "..", "..", "build", "sidetag"))
# Every log line any test produced is kept here so a final check can scan them for secrets.
LOG_ROOT = os.environ.get("SIDETAG_TEST_LOGS") or tempfile.mkdtemp(prefix="sidetag-logs-")
os.makedirs(LOG_ROOT, exist_ok=True)

TOKEN = "EAAtesttoken" + "x" * 40  # looks like a Meta token; must never appear in any log
API_KEY = "test-api-key-0123456789abcdef"

# SIDETAG_RECORD_REQUESTS=<file>: every HTTP request a test sends to a running sidetag is appended to <file> as one
# JSON line (the instance's configuration, the request as sent, the time), so the golden byte-equality cases
# (tests/golden/) can replay the integration tests' events in-process.
RECORD_REQUESTS = os.environ.get("SIDETAG_RECORD_REQUESTS")
_running = {}  # port -> (config text, env, extra environment)


def _record_requests():
    import base64
    original = http.client.HTTPConnection.request

    def request(self, method, url, body=None, headers=None, **kw):
        inst = _running.get(self.port) if self.host in ("127.0.0.1", "localhost") else None
        if inst is not None:
            data = body if isinstance(body, (bytes, type(None))) else str(body).encode()
            hs = [["host", f"{self.host}:{self.port}"]] + [[str(k).lower(), str(v)] for k, v in (headers or {}).items()]
            rec = {"config": inst[0], "env": inst[1], "extra_env": inst[2], "method": method, "target": url, "headers": hs,
                   "body_b64": base64.b64encode(data or b"").decode(), "t_us": int(time.time() * 1e6)}
            with open(RECORD_REQUESTS, "a") as f:
                f.write(json.dumps(rec) + "\n")
        return original(self, method, url, body=body, headers=headers or {}, **kw)

    http.client.HTTPConnection.request = request


if RECORD_REQUESTS:
    _record_requests()


def now():
    return int(time.time())


def capi_event(i=0, **over):
    ev = {
        "event_name": "Purchase",
        "event_time": now(),
        "event_id": f"ev-{i}",
        "action_source": "website",
        "event_source_url": "https://shop.example/checkout/thanks",
        "user_data": {"em": f" Customer{i}@Example.COM ", "ph": "+1 (650) 555-1212",
                      "client_user_agent": "Mozilla/5.0 (X11; Linux x86_64)", "client_ip_address": "203.0.113.7"},
        "custom_data": {"value": 19.99, "currency": "EUR"},
    }
    ev.update(over)
    return ev


def base_config(graph_url, workdir, env="test", extra="", dispatch="live", batch_delay_ms=50, grace_s=10,
                sites=None, sources=None, level="info"):
    sites = sites or textwrap.dedent(f"""\
      shop:
        domains: [shop.example]
        default_region: US
        meta:
          pixels:
            - id: "1234567890"
              access_token: "${{META_TOKEN}}"
              test_event_code: TEST123
    """)
    sources = sources or textwrap.dedent(f"""\
      backend:
        path: /v1/events
        site: shop
        api_keys: ["{API_KEY}"]
    """)
    return textwrap.dedent(f"""\
server:
  address: 127.0.0.1
  port: 0
  threads: 2
  shutdown_grace_s: {grace_s}
logging:
  level: {level}
meta:
  graph_url: {graph_url}
  dispatch: {dispatch}
  sandbox_file: {workdir}/sandbox.ndjson
  dead_letter_file: {workdir}/dead-letters.ndjson
  batch:
    max_delay_ms: {batch_delay_ms}
  retry:
    initial_ms: 20
    max_ms: 500
delivery:
  spool_dir: {workdir}/spool
sites:
""") + textwrap.indent(sites, "  ") + "sources:\n" + textwrap.indent(sources, "  ") + extra + textwrap.dedent(f"""\
environments:
  {env}: {{}}
""")


class Sidetag:
    def __init__(self, config_text, env="test", name="sidetag", extra_env=None):
        self.dir = tempfile.mkdtemp(prefix="sidetag-it-")
        self.config_path = os.path.join(self.dir, "sidetag.yaml")
        with open(self.config_path, "w") as f:
            f.write(config_text.replace("{workdir}", self.dir))
        self.log_path = os.path.join(LOG_ROOT, f"{name}-{os.getpid()}-{int(time.time()*1000)}.log")
        self.env = env
        self.extra_env = extra_env or {}
        self.proc = None
        self.port = None

    def start(self, timeout=10):
        env = dict(os.environ, META_TOKEN=TOKEN, **self.extra_env)
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen([BIN, "serve", "--config", self.config_path, "--env", self.env],
                                     stdout=self.log, stderr=subprocess.STDOUT, env=env)
        deadline = time.time() + timeout
        while time.time() < deadline:
            m = re.search(r'"msg":"listening".*?"port":(\d+)', self.logs())
            if not m:
                m = re.search(r'"port":(\d+).*?"msg":"listening"', self.logs())
            if m:
                self.port = int(m.group(1))
                with open(self.config_path) as f:
                    _running[self.port] = (f.read(), self.env, self.extra_env)
                return self
            if self.proc.poll() is not None:
                raise RuntimeError(f"sidetag exited with {self.proc.returncode}:\n{self.logs()}")
            time.sleep(0.02)
        raise RuntimeError("sidetag did not start:\n" + self.logs())

    def logs(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def log_lines(self):
        out = []
        for line in self.logs().splitlines():
            try:
                out.append(json.loads(line))
            except ValueError:
                pass
        return out

    def request(self, method, path, body=None, headers=None, timeout=10):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        data = body if isinstance(body, (bytes, type(None))) else (body if isinstance(body, str) else json.dumps(body)).encode()
        conn.request(method, path, body=data, headers=headers or {})
        resp = conn.getresponse()
        raw = resp.read()
        conn.close()
        if method == "GET" and path == "/metrics" and resp.status == 200:
            self.keep_scrape(raw)
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = raw.decode("utf-8", "replace")
        return resp.status, dict(resp.getheaders()), parsed

    def post_events(self, events, key=API_KEY, path="/v1/events", headers=None):
        h = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
        h.update(headers or {})
        return self.request("POST", path, {"data": events}, h)

    def send_signal(self, sig):
        self.proc.send_signal(sig)

    def keep_scrape(self, raw):
        """Keeps a /metrics answer beside the logs, for the stats catalogue check (test_zz_stats_catalogue)."""
        self.scrapes = getattr(self, "scrapes", 0) + 1
        with open(f"{self.log_path[:-4]}.metrics-{self.scrapes}.txt", "wb") as f:
            f.write(raw)

    def scrape_metrics(self):
        try:
            self.request("GET", "/metrics", timeout=3)
        except (OSError, http.client.HTTPException):
            pass

    def stop(self, sig=signal.SIGTERM, timeout=30):
        if self.proc and self.proc.poll() is None and self.port:
            self.scrape_metrics()  # the final counts of this run, for the catalogue check
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if hasattr(self, "log"):
            self.log.close()
        return self.proc.returncode if self.proc else None

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def wait_for(pred, timeout=10, interval=0.02):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(interval)
    return pred()
