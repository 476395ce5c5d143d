#!/usr/bin/env python3
"""sidetag benchmark driver (called by bench/run.sh; standard library only).

For every scenario it starts, on loopback:
  * a fake Graph API: nginx (1 worker, pinned to the load core) answering every POST with a canned
    {"events_received":...} 200 -- the Python fake (tests/fakes/fake_graph.py) does ~1-2 k small requests/s and
    would measure itself, not sidetag;
  * sidetag (Release build, server.threads: 1, live dispatch to the fake, info logging to a file) pinned to the
    server core with taskset;
  * the ceiling: nginx, worker_processes 1, `return 204`, pinned to the same server core, driven with the very same
    wrk script so request sizes match;
and drives both with wrk (pinned to the other core): a closed-loop run for the maximum rate, then a fixed-rate run
at --load-fraction (default 50 %) of that maximum for the latency percentiles (see bench/README.md: closed loops
understate tails). It prints one Markdown table and writes it to bench/results/latest.md.

The node_sdk_forwarder scenario runs the same CAPI workload against bench/reference_forwarder/server.js (a forwarder
on Meta's Node SDK, facebook-nodejs-business-sdk: one Graph request per incoming request) under the same conditions
(same core, same fake Graph API, same wrk script), and the summary gives sidetag's rate and CPU per event as a
ratio to it.
"""
import argparse
import json
import math
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
RESULTS = os.path.join(HERE, "results")
API_KEY = "bench-api-key-0123456789abcdef"
TOKEN = "EAAbench" + "0" * 40  # not a real token; the fake accepts anything
TID = "G-F9XM71K45T"
PIXEL_ID = "1234567890"
REF_DIR = os.path.join(HERE, "reference_forwarder")
GRAPH_STATUS = "/__bench_graph_status"  # stub_status of the fake Graph API (counts requests that reached it)
CLK_TCK = os.sysconf("SC_CLK_TCK")
# --rt (root): nginx and wrk run SCHED_FIFO (chrt -f 10) so other work on a shared machine cannot delay them;
# sidetag stays SCHED_OTHER (under SCHED_FIFO its I/O and dispatcher threads, pinned to one core, would not
# time-share: the dispatcher starves while requests keep coming, the queue and RSS grow) but the benchmark runs in
# its own session whose autogroup gets nice -10 (with sched_autogroup, plain nice only ranks processes inside
# one session, so it would not help against other sessions' compilers).
PRIO = []
SIDETAG_PRIO = []


def log(*a):
    print("[bench]", *a, file=sys.stderr, flush=True)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def http(port, method, path, body=b"", headers=None, timeout=5):
    """Minimal HTTP/1.1 client (one request per connection); returns (status, body bytes)."""
    hdrs = {"Host": "shop.example", "Connection": "close", "Content-Length": str(len(body))}
    hdrs.update(headers or {})
    req = f"{method} {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in hdrs.items()) + "\r\n"
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(req.encode() + body)
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1]) if head else 0
    return status, rest


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime + stime


def sys_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[12]) / CLK_TCK  # stime: the kernel's share (sockets, epoll, timers, spool writes)


def proc_status_kib(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def wait_port(port, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return True
        except OSError:
            time.sleep(0.01)
    return False


# ------------------------------------------------------------------------------------------------------------------
class Nginx:
    """A private nginx instance (own prefix, config, pid file); never touches a system nginx."""

    def __init__(self, name, cpu, body_conf, workdir):
        self.dir = os.path.join(workdir, name)
        os.makedirs(os.path.join(self.dir, "logs"), exist_ok=True)
        self.port = free_port()
        self.cpu = cpu
        conf = textwrap.dedent(f"""\
            worker_processes 1;
            daemon off;
            master_process on;
            pid {self.dir}/nginx.pid;
            error_log {self.dir}/logs/error.log warn;
            events {{ worker_connections 4096; }}
            http {{
              access_log off;
              keepalive_requests 10000000;
              keepalive_timeout 300s;
              client_max_body_size 64m;
              client_body_buffer_size 1m;
              client_body_temp_path {self.dir}/body;
              proxy_temp_path {self.dir}/proxy;
              fastcgi_temp_path {self.dir}/fastcgi;
              uwsgi_temp_path {self.dir}/uwsgi;
              scgi_temp_path {self.dir}/scgi;
              server {{
                listen 127.0.0.1:{self.port};
                {body_conf}
              }}
            }}
            """)
        self.conf = os.path.join(self.dir, "nginx.conf")
        with open(self.conf, "w") as f:
            f.write(conf)
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(PRIO + ["taskset", "-c", str(self.cpu), "nginx", "-p", self.dir, "-c", self.conf,
                                      "-e", os.path.join(self.dir, "logs", "error.log")],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if not wait_port(self.port):
            raise RuntimeError(f"nginx ({self.conf}) did not start; see {self.dir}/logs/error.log")
        return self

    def worker_pid(self):
        with open(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children") as f:
            kids = f.read().split()
        return int(kids[0]) if kids else self.proc.pid

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def fake_graph(workdir, cpu):
    canned = json.dumps({"events_received": 1000, "messages": [], "fbtrace_id": "AbenchFakeGraph"})
    body = (f"location / {{ default_type application/json; return 200 '{canned}'; }}\n"
            f"location = {GRAPH_STATUS} {{ stub_status; }}")
    return Nginx("fake-graph", cpu, body, workdir).start()


def graph_counts(graph):
    """(accepted connections, requests) of the fake Graph API so far, this query included."""
    status, body = http(graph.port, "GET", GRAPH_STATUS)
    if status != 200:
        return None
    accepts, _handled, requests = (int(x) for x in body.decode().splitlines()[2].split())
    return accepts, requests


def ceiling(workdir, cpu):
    return Nginx("ceiling", cpu, "location / { return 204; }", workdir).start()


# ------------------------------------------------------------------------------------------------------------------
def sidetag_config(port, graph_port, work, batch_delay_ms, with_ga4=True, extra_sources="", with_delivery=True,
                   durability="disk", log_level="info", fsync_interval_ms=None):
    # GA4 with passthrough off: the target ("GA4 hits, passthrough off, >= 40 % of nginx") measures
    # sidetag's own work, not a second HTTP client to Google.
    ga4 = (f"    ga4:\n      measurement_ids: [{TID}]\n      passthrough: \"off\"\n" if with_ga4 else "")
    return (textwrap.dedent(f"""\
        server:
          address: 127.0.0.1
          port: {port}
          threads: 1
          max_body_bytes: 4194304
        logging:
          level: {log_level}
        meta:
          graph_url: http://127.0.0.1:{graph_port}
          dispatch: live
          sandbox_file: {work}/sandbox.ndjson
          dead_letter_file: {work}/dead-letters.ndjson
          batch:
            max_events: 1000
            max_delay_ms: {batch_delay_ms}
        identity:
          enabled: false
        """) + (textwrap.dedent(f"""\
        delivery:
          durability: {durability}    # disk, the production default: accepted events are spooled (group-committed fsync)
          spool_dir: {work}/spool
        """) + (f"  fsync_interval_ms: {fsync_interval_ms}\n" if fsync_interval_ms is not None else "")
        if with_delivery else "") + textwrap.dedent(f"""\
        sites:
          shop:
            domains: [shop.example]
            default_region: US
        """) + ga4 + textwrap.dedent(f"""\
            meta:
              pixels:
                - id: "1234567890"
                  access_token: "${{META_TOKEN}}"
                  test_event_code: BENCH123   # non-prod live dispatch requires one (config safety rule)
        sources:
          backend:
            type: capi_json
            path: /v1/events
            site: shop
            api_keys: ["{API_KEY}"]
        """) + extra_sources + "environments:\n  bench: {}\n")


def start_until_ready(what, cmd, cpu, port, logf, log_path, env, cwd=None):
    """Starts cmd pinned to cpu (taskset execs it in place, so the pid is the server's) and polls /readyz every 2 ms.
    Returns (process, start-up ms)."""
    t0 = time.monotonic()
    proc = subprocess.Popen(SIDETAG_PRIO + ["taskset", "-c", str(cpu)] + cmd, cwd=cwd, stdout=logf,
                            stderr=subprocess.STDOUT, env=env)
    deadline = t0 + 15
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}; see {log_path}")
        try:
            if http(port, "GET", "/readyz", timeout=1)[0] == 200:
                return proc, (time.monotonic() - t0) * 1000
        except OSError:
            pass
        time.sleep(0.002)
    raise RuntimeError(f"{what} not ready after 15 s; see {log_path}")


class Sidetag:
    def __init__(self, binary, cfg_text, workdir, name, cpu):
        self.bin = binary
        self.dir = os.path.join(workdir, name)
        os.makedirs(self.dir, exist_ok=True)
        self.cfg = os.path.join(self.dir, "sidetag.yaml")
        with open(self.cfg, "w") as f:
            f.write(cfg_text)
        self.log_path = os.path.join(RESULTS, f"sidetag-{name}.log")
        self.cpu = cpu
        self.port = int(re.search(r"port: (\d+)", cfg_text).group(1))
        self.proc = None
        self.startup_ms = None

    def validate(self):
        r = subprocess.run([self.bin, "validate", "--config", self.cfg, "--env", "bench"], capture_output=True,
                           text=True, env=dict(os.environ, META_TOKEN=TOKEN))
        return r.returncode == 0, (r.stdout + r.stderr).strip()

    def start(self):
        self.logf = open(self.log_path, "wb")
        env = dict(os.environ, META_TOKEN=TOKEN)
        self.proc, self.startup_ms = start_until_ready(
            "sidetag", [self.bin, "serve", "--config", self.cfg, "--env", "bench"], self.cpu, self.port, self.logf,
            self.log_path, env)
        return self

    def metrics(self):
        status, body = http(self.port, "GET", "/metrics")
        return parse_metrics(body.decode()) if status == 200 else {}

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.logf.close()


_NODE_PREPARED = []


def prepare_node_forwarder():
    """`npm ci` in bench/reference_forwarder (once per run); returns (ok, message: versions, or why the scenario is
    skipped)."""
    if not _NODE_PREPARED:
        _NODE_PREPARED.append(_prepare_node_forwarder())
    return _NODE_PREPARED[0]


def _prepare_node_forwarder():
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        return False, ("skipped: node/npm not found (`bash scripts/install-deps.sh --bench` installs Debian's "
                       "nodejs and npm)")
    if os.environ.get("SIDETAG_BENCH_SKIP_NPM") == "1" and os.path.isdir(os.path.join(REF_DIR, "node_modules")):
        log("node_sdk_forwarder: SIDETAG_BENCH_SKIP_NPM=1, using the existing node_modules")
    else:
        log("node_sdk_forwarder: npm ci in bench/reference_forwarder")
        try:
            r = subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=REF_DIR,
                               capture_output=True, text=True, timeout=600)
        except (OSError, subprocess.TimeoutExpired) as e:
            return False, f"skipped: npm ci failed ({e})"
        if r.returncode != 0:
            return False, "skipped: npm ci failed: " + (r.stdout + r.stderr).strip().replace("\n", " ")[-250:]
    version = subprocess.run([node, "--version"], capture_output=True, text=True).stdout.strip()
    try:
        with open(os.path.join(REF_DIR, "node_modules", "facebook-nodejs-business-sdk", "package.json")) as f:
            sdk = json.load(f)["version"]
    except (OSError, ValueError, KeyError) as e:
        return False, f"skipped: facebook-nodejs-business-sdk not installed ({e})"
    return True, f"node {version}, facebook-nodejs-business-sdk {sdk}"


class NodeForwarder:
    """bench/reference_forwarder/server.js: one node process pinned like sidetag, pointed at the fake Graph API.
    metrics() returns the fake Graph API's connection and request counters (stub_status)."""

    def __init__(self, graph, name, cpu, extra_env=None):
        self.graph = graph
        self.extra_env = extra_env or {}
        self.port = free_port()
        self.cpu = cpu
        self.log_path = os.path.join(RESULTS, f"{name}.log")
        self.proc = None
        self.startup_ms = None
        self.queries = 0

    def start(self):
        self.logf = open(self.log_path, "wb")
        env = dict(os.environ, PORT=str(self.port), HOST="127.0.0.1", API_KEY=API_KEY, META_TOKEN=TOKEN,
                   PIXEL_ID=PIXEL_ID, TEST_EVENT_CODE="BENCH123", GRAPH_URL=f"http://127.0.0.1:{self.graph.port}",
                   NODE_ENV="production")
        env.update(self.extra_env)
        # Same scheduling as sidetag (SCHED_OTHER, the benchmark's autogroup); taskset execs node in place.
        self.proc, self.startup_ms = start_until_ready("node forwarder", ["node", "server.js"], self.cpu, self.port,
                                                       self.logf, self.log_path, env, cwd=REF_DIR)
        return self

    def metrics(self):
        c = graph_counts(self.graph)
        self.queries += 1
        return {"graph_accepts": c[0], "graph_requests": c[1], "queries": self.queries} if c else {}

    @staticmethod
    def delta(a, b, key):
        """Graph connections/requests between two metrics() snapshots, without the stub_status queries."""
        if key not in a or key not in b:
            return None
        return b[key] - a[key] - (b["queries"] - a["queries"])

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.logf.close()


def parse_metrics(text):
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = re.match(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)", line)
        if m:
            try:
                out[m.group(1) + (m.group(2) or "")] = float(m.group(3))
            except ValueError:
                pass
    return out


def msum(metrics, name, where=""):
    """Sum of all series of `name` whose label set contains `where`."""
    total = 0.0
    for k, v in metrics.items():
        base = k.split("{", 1)[0]
        if base == name and where in k:
            total += v
    return total


def hist_quantile(before, after, name, q):
    """Prometheus-style histogram_quantile over the delta between two scrapes (linear within a bucket)."""
    buckets = []
    for k, v in after.items():
        if k.startswith(name + "_bucket{"):
            le = re.search(r'le="([^"]+)"', k).group(1)
            bound = math.inf if le == "+Inf" else float(le)
            buckets.append((bound, v - before.get(k, 0.0)))
    buckets.sort()
    if not buckets or buckets[-1][1] <= 0:
        return None
    total = buckets[-1][1]
    rank = q * total
    prev_bound, prev_count = 0.0, 0.0
    for bound, count in buckets:
        if count >= rank:
            if math.isinf(bound):
                return prev_bound
            if count == prev_count:
                return bound
            return prev_bound + (bound - prev_bound) * (rank - prev_count) / (count - prev_count)
        prev_bound, prev_count = bound, count
    return prev_bound


# ------------------------------------------------------------------------------------------------------------------
def run_wrk(script, port, duration, conns, cpu, rate=0, extra_env=None, threads=1):
    env = dict(os.environ, BENCH_DIR=HERE, BENCH_API_KEY=API_KEY, BENCH_RATE=str(int(rate)),
               BENCH_THREADS=str(threads))
    env.update(extra_env or {})
    cmd = PRIO + ["taskset", "-c", str(cpu), "wrk", "-t", str(threads), "-c", str(conns), "-d", f"{duration}s",
           "--timeout", "5s", "--latency", "-s", script, f"http://127.0.0.1:{port}"]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, text=True)
    out = p.stdout.read()
    _, _, ru = os.wait4(p.pid, 0)
    p.returncode = 0
    res = {"raw": out, "wrk_cpu_s": ru.ru_utime + ru.ru_stime}
    for line in out.splitlines():
        if line.startswith("BENCH "):
            for kv in line[6:].split():
                k, v = kv.split("=")
                res[k] = float(v)
    if "requests" not in res:
        raise RuntimeError("wrk failed:\n" + out)
    res["rps"] = res["requests"] / (res["duration_us"] / 1e6)
    res["errors"] = int(res["status_errors"] + res["connect_errors"] + res["read_errors"] + res["write_errors"]
                        + res["timeouts"])
    res["wrk_util"] = res["wrk_cpu_s"] / (res["duration_us"] / 1e6)
    res["client_bound"] = res["wrk_util"] > 0.9
    return res


class Scenario:
    def __init__(self, name, title, script, events_env=None, probe=None, server="sidetag", server_env=None):
        self.name, self.title, self.script = name, title, script
        self.events_env = events_env or {}
        self.probe = probe  # callable(port) -> (available, message)
        self.server = server  # "sidetag", or "node": bench/reference_forwarder (Meta's Node SDK)
        self.server_env = server_env or {}  # node: BATCH_MAX_DELAY_MS (-1: --batch-delay-ms), BATCH_MAX_EVENTS


def probe_ga4(port):
    body = b"en=page_view&_ee=1\r\nen=scroll&epn.percent_scrolled=90\r\n"
    try:
        status, _ = http(port, "POST", f"/g/collect?v=2&tid={TID}&cid=1.2&dl=https%3A%2F%2Fshop.example%2F", body,
                         {"Content-Type": "text/plain;charset=UTF-8"})
    except OSError as e:
        return False, f"not available yet (probe failed: {e})"
    if status != 204:
        return False, f"not available yet (/g/collect answered {status}, not 204)"
    return True, ""


def run_http_scenario(sc, args, binary, graph, work, baseline=False):
    if sc.server == "node":
        return run_node_scenario(sc, args, graph, work)
    row = {"scenario": sc.title + (" -- baseline build" if baseline else ""), "name": sc.name + ("@baseline" if baseline else ""),
           "server": "sidetag"}
    port = free_port()
    cfg = sidetag_config(port, graph.port, os.path.join(work, sc.name), args.batch_delay_ms)
    # Older builds may not know the ga4 or delivery sections yet: fall back to what they accept.
    for ga4, delivery in ((True, True), (False, True), (False, False)):
        cfg = sidetag_config(port, graph.port, os.path.join(work, sc.name), args.batch_delay_ms, with_ga4=ga4,
                             with_delivery=delivery, durability=args.durability, log_level=args.log_level,
                             fsync_interval_ms=args.fsync_interval_ms)
        st = Sidetag(binary, cfg, work, sc.name, args.server_cpu)
        ok, msg = st.validate()
        if ok:
            break
    else:
        row["skip"] = "config rejected: " + msg.replace("\n", " ")[:200]
        return row
    row["durability"] = args.durability if delivery else "n/a"
    st.start()
    try:
        row["startup_ms"] = st.startup_ms
        if sc.probe:
            available, why = sc.probe(st.port)
            if not available:
                row["skip"] = why
                return row
        script = os.path.join(HERE, sc.script)
        log(f"{sc.name}: warm-up {args.warmup}s")
        run_wrk(script, st.port, args.warmup, args.conns, args.client_cpu, extra_env=sc.events_env)
        pid = st.proc.pid
        # taskset execs sidetag in place, so the Popen pid is sidetag's pid.
        closed = measure_closed_loop(row, sc, script, st.port, pid, args)
        rate = max(1, int(closed["rps"] * args.load_fraction))
        log(f"{sc.name}: fixed rate {rate} req/s for {args.duration}s")
        m2 = st.metrics()
        fixed = run_wrk(script, st.port, args.duration, args.paced_conns, args.client_cpu, rate=rate,
                        extra_env=sc.events_env)
        time.sleep(args.batch_delay_ms / 1000 + 1.0)  # let the last batches go out
        m3 = st.metrics()
        row.update(fixed_rate=rate, fixed_achieved=fixed["rps"], p50_ms=fixed["p50_us"] / 1000,
                   p99_ms=fixed["p99_us"] / 1000, p999_ms=fixed["p999_us"] / 1000, fixed_errors=fixed["errors"])
        e2e50 = hist_quantile(m2, m3, "sidetag_dispatch_latency_seconds", 0.5)
        e2e99 = hist_quantile(m2, m3, "sidetag_dispatch_latency_seconds", 0.99)
        row["e2e_p50_ms"] = e2e50 * 1000 if e2e50 is not None else None
        row["e2e_p99_ms"] = e2e99 * 1000 if e2e99 is not None else None
        bs_sum, bs_cnt = msum(m3, "sidetag_dispatch_batch_size_sum"), msum(m3, "sidetag_dispatch_batch_size_count")
        row["avg_batch"] = bs_sum / bs_cnt if bs_cnt else None
        row["batches"] = bs_cnt
        row["conns_opened"] = msum(m3, "sidetag_dispatch_connections_opened")
        row["received"] = msum(m3, "sidetag_events_received_total")
        row["delivered"] = msum(m3, "sidetag_dispatch_events_total", 'outcome="delivered"')
        row["rss_mib"] = proc_status_kib(pid, "VmRSS") / 1024
        row["hwm_mib"] = proc_status_kib(pid, "VmHWM") / 1024
        row["log_bytes"] = os.path.getsize(st.log_path)
    finally:
        st.stop()
    # The ceiling, same script and connections, same core.
    measure_ceiling(row, sc, script, args, work)
    return row


def baseline_comparison(rows, baseline_bin):
    """This build against --baseline-bin, scenario by scenario, both measured in this run (interleaved)."""
    by = {r.get("name"): r for r in rows if "skip" not in r and "cpu_us_per_event" in r}
    lines = []
    for name, r in by.items():
        b = by.get(name + "@baseline")
        if not b or not r.get("cpu_us_per_event") or not b.get("cpu_us_per_event"):
            continue
        if not lines:
            lines = ["", f"This build vs the baseline build `{os.path.relpath(baseline_bin, ROOT)}` (same run; each "
                         "scenario ran with both binaries back to back):", ""]
        lines.append(f"- {r['scenario']}: CPU per event {b['cpu_us_per_event']:.1f} -> {r['cpu_us_per_event']:.1f} µs "
                     f"(**{b['cpu_us_per_event'] / r['cpu_us_per_event']:.2f}×** less), events/s "
                     f"{b['events_s']:.0f} -> {r['events_s']:.0f} (**{r['events_s'] / b['events_s']:.2f}×**)"
                     + (f", by CPU per request vs nginx {b['cpu_ratio']:.1%} -> {r['cpu_ratio']:.1%}"
                        if r.get("cpu_ratio") and b.get("cpu_ratio") else "")
                     + (f", p99 at 50 % {b['p99_ms']:.2f} -> {r['p99_ms']:.2f} ms" if "p99_ms" in r and "p99_ms" in b else ""))
    return lines


def measure_closed_loop(row, sc, script, port, pid, args):
    """The closed-loop run (maximum rate) and the server's CPU over it: fills the rate and CPU columns of row."""
    c0, k0 = cpu_seconds(pid), sys_seconds(pid)
    log(f"{sc.name}: closed loop {args.duration}s, {args.conns} connections")
    closed = run_wrk(script, port, args.duration, args.conns, args.client_cpu, extra_env=sc.events_env)
    c1, k1 = cpu_seconds(pid), sys_seconds(pid)
    epr = closed["events_per_request"]
    row.update(rps=closed["rps"], events_s=closed["rps"] * epr, epr=epr, errors=closed["errors"],
               client_bound=closed["client_bound"], wrk_util=closed["wrk_util"])
    accepted = closed["requests"] * epr
    row["cpu_us_per_event"] = (c1 - c0) / accepted * 1e6 if accepted else None
    row["cpu_util"] = (c1 - c0) / (closed["duration_us"] / 1e6)
    row["cpu_us_per_req"] = (c1 - c0) / closed["requests"] * 1e6 if closed["requests"] else None
    row["kernel_share"] = (k1 - k0) / (c1 - c0) if c1 > c0 else None
    row["closed_p50_ms"] = closed["p50_us"] / 1000
    row["closed_p99_ms"] = closed["p99_us"] / 1000
    return closed


def measure_ceiling(row, sc, script, args, work):
    """nginx answering 204 on the same core, driven by the same wrk script: the ceiling the row is compared with."""
    ng = ceiling(work + "/ceil-" + sc.name, args.server_cpu)
    try:
        log(f"{sc.name}: nginx 204 ceiling, closed loop {args.duration}s")
        run_wrk(script, ng.port, args.warmup, args.conns, args.client_cpu, extra_env=sc.events_env)
        wpid = ng.worker_pid()
        c0 = cpu_seconds(wpid)
        n = run_wrk(script, ng.port, args.duration, args.conns, args.client_cpu, extra_env=sc.events_env)
        ncpu = cpu_seconds(wpid) - c0
        row["nginx_cpu_util"] = ncpu / (n["duration_us"] / 1e6)
        row["nginx_cpu_us_per_req"] = ncpu / n["requests"] * 1e6 if n["requests"] else None
        row["nginx_rps"] = n["rps"]
        row["nginx_client_bound"] = n["client_bound"]
        row["nginx_wrk_util"] = n["wrk_util"]
        row["ratio"] = row["rps"] / n["rps"]
        if row.get("nginx_cpu_us_per_req") and row.get("cpu_us_per_req"):
            row["cpu_ratio"] = row["nginx_cpu_us_per_req"] / row["cpu_us_per_req"]
    finally:
        ng.stop()


def run_node_scenario(sc, args, graph, work):
    """The same measurements as run_http_scenario, against the reference forwarder on Meta's Node SDK. Events
    that reached the fake Graph API are counted with its stub_status (one Graph request per incoming request)."""
    server_env = dict(sc.server_env)
    if server_env.get("BATCH_MAX_DELAY_MS") == "-1":
        server_env["BATCH_MAX_DELAY_MS"] = str(args.batch_delay_ms)  # the same max_delay_ms as sidetag's batches
    batched = int(server_env.get("BATCH_MAX_DELAY_MS", "0")) > 0
    row = {"scenario": sc.title, "name": sc.name, "server": "node", "batched": batched,
           "durability": ("none (answers 200 at once, batches queued in memory)" if batched
                          else "none (answers after Graph's 2xx)")}
    ok, msg = prepare_node_forwarder()
    if not ok:
        row["skip"] = msg
        return row
    row["versions"] = msg
    nf = NodeForwarder(graph, sc.name, args.server_cpu, server_env)
    nf.start()
    script = os.path.join(HERE, sc.script)
    try:
        row["startup_ms"] = nf.startup_ms
        pid = nf.proc.pid
        g_start = nf.metrics()
        log(f"{sc.name}: warm-up {args.warmup}s ({msg})")
        warm = run_wrk(script, nf.port, args.warmup, args.conns, args.client_cpu, extra_env=sc.events_env)
        g0 = nf.metrics()
        closed = measure_closed_loop(row, sc, script, nf.port, pid, args)
        g1 = nf.metrics()
        epr = closed["events_per_request"]
        row["closed_graph_requests"] = NodeForwarder.delta(g0, g1, "graph_requests")
        rate = max(1, int(closed["rps"] * args.load_fraction))
        log(f"{sc.name}: fixed rate {rate} req/s for {args.duration}s")
        fixed = run_wrk(script, nf.port, args.duration, args.paced_conns, args.client_cpu, rate=rate,
                        extra_env=sc.events_env)
        time.sleep(0.5 + (args.batch_delay_ms / 1000 + 0.5 if batched else 0))  # let the last batch go out
        g3 = nf.metrics()
        row.update(fixed_rate=rate, fixed_achieved=fixed["rps"], p50_ms=fixed["p50_us"] / 1000,
                   p99_ms=fixed["p99_us"] / 1000, p999_ms=fixed["p999_us"] / 1000, fixed_errors=fixed["errors"])
        # The forwarder answers after Graph's 2xx: accept -> Meta 2xx is within the response latency.
        row["e2e_p50_ms"] = row["e2e_p99_ms"] = None
        graph_requests = NodeForwarder.delta(g_start, g3, "graph_requests")
        row["batches"] = graph_requests
        row["conns_opened"] = NodeForwarder.delta(g_start, g3, "graph_accepts")
        answered = sum(r["requests"] - r["errors"] for r in (warm, closed, fixed))
        row["received"] = answered * epr
        if batched:  # the fake's counters give requests, not events: the average batch is an estimate
            row["delivered"] = None
            row["avg_batch"] = row["received"] / graph_requests if graph_requests else None
        else:
            row["delivered"] = graph_requests * epr if graph_requests is not None else 0
            row["avg_batch"] = epr if graph_requests else None
        row["rss_mib"] = proc_status_kib(pid, "VmRSS") / 1024
        row["hwm_mib"] = proc_status_kib(pid, "VmHWM") / 1024
        row["log_bytes"] = os.path.getsize(nf.log_path)
    finally:
        nf.stop()
    measure_ceiling(row, sc, script, args, work)
    return row


def comparison(rows):
    """sidetag (capi_json) against the Node SDK forwarder, both measured in this run."""
    by = {r.get("name"): r for r in rows if "skip" not in r and "rps" in r}
    st, nd = by.get("capi_json"), by.get("node_sdk_forwarder") or by.get("node_sdk_forwarder_batched")
    if not st or not nd:
        return []
    lines = ["", "sidetag vs the reference forwarder on Meta's Node SDK (same run, same core, same workload: CAPI "
             f"JSON, 1 event/request; {nd.get('versions', '')}):", ""]
    lines.append(f"- events/s: sidetag {st['events_s']:.0f} ÷ Node SDK forwarder {nd['events_s']:.0f} = "
                 f"**{st['events_s'] / nd['events_s']:.2f}×**")
    if st.get("cpu_us_per_event") and nd.get("cpu_us_per_event"):
        lines.append(f"- CPU per event: Node SDK forwarder {nd['cpu_us_per_event']:.1f} µs ÷ sidetag "
                     f"{st['cpu_us_per_event']:.1f} µs = **{nd['cpu_us_per_event'] / st['cpu_us_per_event']:.2f}×** "
                     "(sidetag's figure includes its info log line per event, the disk spool and the batched Graph "
                     "client; the forwarder logs nothing per request)")
    lines.append(f"- p99 at 50 % of each one's own maximum: sidetag {st['p99_ms']:.2f} ms at {st['fixed_achieved']:.0f} "
                 f"req/s, Node SDK forwarder {nd['p99_ms']:.2f} ms at {nd['fixed_achieved']:.0f} req/s; peak RSS "
                 f"{st['hwm_mib']:.1f} vs {nd['hwm_mib']:.1f} MiB; start-up {st['startup_ms']:.0f} vs "
                 f"{nd['startup_ms']:.0f} ms")
    nb = by.get("node_sdk_forwarder_batched")
    if nb and nb is not nd and nb.get("cpu_us_per_event") and st.get("cpu_us_per_event"):
        lines.append(f"- the same forwarder batching (up to 1000 events per Graph request, answering before Graph, "
                     f"nothing persisted): {nb['events_s']:.0f} events/s, {nb['cpu_us_per_event']:.1f} µs CPU/event; "
                     f"sidetag events/s ÷ it = **{st['events_s'] / nb['events_s']:.2f}×**, its CPU per event ÷ "
                     f"sidetag's = **{nb['cpu_us_per_event'] / st['cpu_us_per_event']:.2f}×** (below 1: the batching "
                     "Node forwarder is the faster one)")
    return lines


def run_csv_scenario(args, binary, graph, work):
    row = {"scenario": "CSV file via `sidetag send`", "name": "csv_send"}
    probe = subprocess.run([binary, "send", "--help"], capture_output=True, text=True)
    text = (probe.stdout + probe.stderr).lower()
    if probe.returncode != 0 or "unknown command" in text or "usage: sidetag send" not in text and "--source" not in text:
        row["skip"] = "not available yet (`sidetag send` is not in this build)"
        return row
    script = os.path.join(HERE, "csv_send", "run.py")
    r = subprocess.run([sys.executable, script, "--bin", binary, "--graph-port", str(graph.port), "--cpu",
                        str(args.server_cpu), "--rows", str(args.csv_rows), "--work", os.path.join(work, "csv")],
                       capture_output=True, text=True)
    if r.returncode != 0:
        row["skip"] = "failed: " + (r.stdout + r.stderr).strip().replace("\n", " ")[-300:]
        return row
    row.update(json.loads(r.stdout.strip().splitlines()[-1]))
    return row


# ------------------------------------------------------------------------------------------------------------------
def fmt(v, spec="{:.0f}", none="n/a"):
    if v is None:
        return none
    return spec.format(v)


def machine():
    model = ""
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        model = next((l.split(":", 1)[1].strip() for l in out.splitlines() if l.startswith("Model name")), "")
    except OSError:
        pass
    with open("/proc/meminfo") as f:
        mem = int(f.readline().split()[1]) // 1024
    return f"{os.cpu_count()} CPUs ({model}), {mem} MiB RAM, kernel {os.uname().release}"


def table(rows, args, binary):
    lines = [f"sidetag benchmark, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} -- {machine()}",
             f"binary {os.path.relpath(binary, ROOT)}; sidetag and nginx pinned to CPU {args.server_cpu}, wrk to CPU "
             f"{args.client_cpu}; closed loop {args.duration}s x {args.conns} connections; fixed rate at "
             f"{int(args.load_fraction * 100)}% of the closed-loop maximum, {args.paced_conns} connections; Meta "
             f"batch max_delay_ms {args.batch_delay_ms}; scheduling {'nginx+wrk SCHED_FIFO, sidetag autogroup nice -10 (--rt)' if PRIO else 'normal'}; "
             f"load average at the end {os.getloadavg()[0]:.1f}.", "",
             "| Scenario | events/s (max) | req/s | nginx 204 req/s | sidetag/nginx req/s | sidetag/nginx by CPU per request | p50 / p99 / p99.9 ms at fixed rate "
             "(req/s) | CPU µs/event | peak RSS MiB | avg Meta batch | Graph conns opened | accept→Meta 2xx p50 / p99 ms | "
             "start-up ms |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    notes = []
    for r in rows:
        if "skip" in r:
            lines.append(f"| {r['scenario']} | {r['skip']} |" + " |" * 11 + (
                f" {fmt(r.get('startup_ms'))} |" if r.get("startup_ms") else " |"))
            continue
        if "rps" not in r:  # csv
            lines.append(f"| {r['scenario']} | {fmt(r.get('events_s'))} | - | - | - | - | - | "
                         f"{fmt(r.get('cpu_us_per_event'), '{:.1f}')} | {fmt(r.get('hwm_mib'), '{:.1f}')} | "
                         f"{fmt(r.get('avg_batch'), '{:.0f}')} | {fmt(r.get('conns_opened'))} | - | - |")
            continue
        lines.append(
            f"| {r['scenario']} | {fmt(r['events_s'])} | {fmt(r['rps'])} | {fmt(r.get('nginx_rps'))} | "
            f"{fmt(r.get('ratio'), '{:.0%}')} | {fmt(r.get('cpu_ratio'), '{:.1%}')} | {r['p50_ms']:.2f} / {r['p99_ms']:.2f} / {r['p999_ms']:.2f} "
            f"({r['fixed_achieved']:.0f}) | {fmt(r['cpu_us_per_event'], '{:.1f}')} | {r['hwm_mib']:.1f} | "
            f"{fmt(r['avg_batch'], '{:.0f}')} | {fmt(r['conns_opened'])} | "
            + (f"≤ response latency |" if r.get("server") == "node" else
               f"{fmt(r['e2e_p50_ms'], '{:.0f}')} / {fmt(r['e2e_p99_ms'], '{:.0f}')} |")
            + f" {r['startup_ms']:.0f} |")
        if r["errors"] or r["fixed_errors"]:
            notes.append(f"{r['scenario']}: {r['errors']} errors in the closed loop, {r['fixed_errors']} at fixed rate "
                         "(non-2xx, timeouts or socket errors; see bench/results/sidetag-*.log)")
        if r["delivered"] is not None and r["delivered"] < r["received"]:
            notes.append(f"{r['scenario']}: {r['delivered']:.0f} of {r['received']:.0f} accepted events delivered to "
                         "the fake Graph API by the end of the run")
        if r.get("client_bound") or r.get("nginx_client_bound"):
            notes.append(f"{r['scenario']}: wrk used > 90% of its core "
                         f"({r.get('server', 'sidetag') + ' run' if r.get('client_bound') else 'nginx run'}): that rate is a lower bound")
        who = "node forwarder" if r.get("server") == "node" else "sidetag"
        if r.get("server") == "node":
            how = (f"batches (up to 1000 events or {args.batch_delay_ms} ms), the client answered before Graph"
                   if r.get("batched") else "one Graph request per incoming request")
            notes.append(f"{r['scenario']}: {r.get('versions', '')}; {how} "
                         f"({fmt(r.get('closed_graph_requests'))} Graph requests reached the fake Graph API in the "
                         f"closed loop, for {r['rps'] * args.duration:.0f} requests answered); keep-alive on the SDK's "
                         f"outgoing connections (axios defaults); log in bench/results/{r['name']}.log")
        notes.append(f"{r['scenario']}: {who} core {r['cpu_util']:.0%} busy in the closed loop (nginx worker "
                     f"{r.get('nginx_cpu_util', 0):.0%}; CPU per request: {who} {fmt(r.get('cpu_us_per_req'), '{:.1f}')} µs, "
                     f"nginx {fmt(r.get('nginx_cpu_us_per_req'), '{:.1f}')} µs; {who}'s kernel share "
                     f"{fmt(r.get('kernel_share'), '{:.0%}')}); wrk's core {r['wrk_util']:.0%} / "
                     f"{r.get('nginx_wrk_util', 0):.0%} busy; closed-loop p50/p99 {r['closed_p50_ms']:.2f}/"
                     f"{r['closed_p99_ms']:.2f} ms; RSS at the end {r['rss_mib']:.1f} MiB; "
                     f"{r['received']:.0f} events accepted, {fmt(r['delivered'], none='?')} delivered in {fmt(r['batches'])} "
                     f"batches; " + (f"log {r['log_bytes'] / r['received']:.0f} bytes/event; " if r['received'] else "")
                     + f"delivery.durability {r.get('durability', 'n/a')}")
    lines += comparison(rows)
    if args.baseline_bin:
        lines += baseline_comparison(rows, args.baseline_bin)
    if notes:
        lines += ["", "Notes:"] + [f"- {n}" for n in notes]
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(ROOT, "build-bench", "sidetag"))
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--conns", type=int, default=32)
    ap.add_argument("--paced-conns", type=int, default=16)
    ap.add_argument("--load-fraction", type=float, default=0.5)
    ap.add_argument("--batch-delay-ms", type=int, default=1000)
    ap.add_argument("--server-cpu", type=int, default=0)
    ap.add_argument("--client-cpu", type=int, default=1)
    ap.add_argument("--csv-rows", type=int, default=100000)
    ap.add_argument("--durability", choices=["disk", "memory"], default="disk",
                    help="sidetag's delivery.durability (disk: the production default)")
    ap.add_argument("--fsync-interval-ms", type=int, default=None,
                    help="sidetag's delivery.fsync_interval_ms (the spool's group-commit window; default: sidetag's own)")
    ap.add_argument("--log-level", choices=["debug", "info", "warn"], default="info",
                    help="sidetag's logging.level (info: one line per event, the production default)")
    ap.add_argument("--only", default="", help="comma-separated scenario names: capi_json, capi_json_x20, "
                    "ga4_collect, http_floor, node_sdk_forwarder, node_sdk_forwarder_batched, csv_send")
    ap.add_argument("--baseline-bin", default="",
                    help="a second sidetag binary (e.g. a build of an earlier commit) run right after this one in every "
                         "sidetag scenario: the summary gives the ratios of the two, measured in the same run")
    ap.add_argument("--rt", action="store_true",
                    help="run sidetag, nginx and wrk with SCHED_FIFO (chrt -f 10; root) so that other work on a shared "
                         "machine cannot delay them; without it, scheduling delays cap the nginx ceiling")
    args = ap.parse_args()
    if args.rt:
        PRIO[:] = ["chrt", "-f", "10"]
        try:
            os.setsid()
        except OSError:
            pass  # already a session leader
        try:
            with open("/proc/self/autogroup", "w") as f:
                f.write("-10")
        except OSError as e:
            log(f"cannot raise the autogroup priority ({e}); sidetag competes with other work at nice 0")
    for tool in ("wrk", "nginx", "taskset"):
        if not shutil.which(tool):
            sys.exit(f"{tool} not found: run `bash scripts/install-deps.sh --bench`")
    if not os.access(args.bin, os.X_OK):
        sys.exit(f"{args.bin} not found: bench/run.sh builds it")
    os.makedirs(RESULTS, exist_ok=True)
    work = tempfile.mkdtemp(prefix="sidetag-bench-")
    scenarios = [
        Scenario("capi_json", "CAPI JSON, 1 event/request (9 PII fields)", "capi_json/capi.lua",
                 {"BENCH_EVENTS_PER_REQUEST": "1"}),
        Scenario("capi_json_x20", "CAPI JSON, 20 events/request", "capi_json/capi.lua",
                 {"BENCH_EVENTS_PER_REQUEST": "20"}),
        Scenario("ga4_collect", "GA4 /g/collect (1.5 hits/request)", "ga4_collect/ga4.lua", probe=probe_ga4),
        # The floor: the HTTP layer alone (GET /healthz, same headers), no pipeline. No route can beat its ratio.
        Scenario("http_floor", "HTTP layer only: GET /healthz (no pipeline; 'events' = requests)", "http_floor/healthz.lua"),
        # The reference: a forwarder on Meta's Node SDK (bench/reference_forwarder), same workload and core.
        Scenario("node_sdk_forwarder", "Node SDK forwarder (reference), CAPI JSON, 1 event/request",
                 "capi_json/capi.lua", {"BENCH_EVENTS_PER_REQUEST": "1"}, server="node"),
        # ... and the same forwarder batching like sidetag (max 1000 events, --batch-delay-ms), answering at once.
        Scenario("node_sdk_forwarder_batched", "Node SDK forwarder, batching (reference), CAPI JSON, 1 event/request",
                 "capi_json/capi.lua", {"BENCH_EVENTS_PER_REQUEST": "1"}, server="node",
                 server_env={"BATCH_MAX_DELAY_MS": "-1"}),
    ]
    only = set(filter(None, args.only.split(",")))
    rows = []
    graph = fake_graph(work, args.client_cpu)
    try:
        for sc in scenarios:
            if only and sc.name not in only:
                continue
            try:
                rows.append(run_http_scenario(sc, args, args.bin, graph, work))
                if args.baseline_bin and sc.server == "sidetag":
                    rows.append(run_http_scenario(sc, args, args.baseline_bin, graph, work, baseline=True))
            except Exception as e:  # a broken scenario must not hide the others
                rows.append({"scenario": sc.title, "skip": f"failed: {e}"[:300]})
        if not only or "csv_send" in only:
            rows.append(run_csv_scenario(args, args.bin, graph, work))
            if args.baseline_bin:
                b = run_csv_scenario(args, args.baseline_bin, graph, work)
                b["scenario"] += " -- baseline build"
                b["name"] = "csv_send@baseline"
                rows.append(b)
    finally:
        graph.stop()
    out = table(rows, args, args.bin)
    with open(os.path.join(RESULTS, "latest.md"), "w") as f:
        f.write(out)
    with open(os.path.join(RESULTS, "latest.json"), "w") as f:
        json.dump(rows, f, indent=1, default=str)
    print(out)
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
