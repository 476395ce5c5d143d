#!/usr/bin/env python3
"""Where the time goes per event: sidetag under `valgrind --tool=callgrind` (instruction counts: repeatable on a
noisy 2-core machine, unlike wall time), driven by wrk at a low fixed rate with the CAPI JSON workload.
Instrumentation is switched on only after /readyz answers (callgrind_control -i on), so start-up is excluded.

  python3 bench/profile.py [--bin build-bench/sidetag] [--requests-per-s 100] [--seconds 15] [--events 1]

Prints instructions per event by function group (inclusive cost of each group's entry points; the groups do not
nest into each other except where noted) and the top functions by inclusive cost; writes the callgrind file and
the annotated listing into bench/results/.
"""
import argparse
import os
import re
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402

# (group, regex on the demangled function name). Each group sums the inclusive cost of the functions that match
# its regex; the regexes pick entry points so that a group does not count itself twice.
GROUPS = [
    ("server I/O thread total (Server::run)", r"^sidetag::server::Server::run\("),
    ("other threads (dispatcher / Graph client io_context)", r"^0x00000000000d44a3$"),
    ("request handler total (handle_capi_json)", r"^sidetag::app::\(anonymous namespace\)::handle_capi_json\("),
    ("request handler total (handle_ga4_collect)", r"^sidetag::app::handle_ga4_collect\("),
    ("  ga4::parse_hits (query + body lines)", r"^sidetag::sources::ga4::parse_hits\("),
    ("  ga4::to_event_data (parameters -> event data)", r"^sidetag::sources::ga4::to_event_data\("),
    ("  capi_json::parse (UTF-8 check, depth scan, DOM parse, conversion)", r"^sidetag::sources::capi_json::parse\("),
    ("    of which nlohmann DOM parse", r"^nlohmann::json_abi_v3_11_2::detail::parser<.*>::parse\(bool"),
    ("  pipeline Runner::run (all stages + observers)", r"^sidetag::pipeline::Runner::run\("),
    ("    prep stage (normalise + hash user data)", r"^sidetag::destinations::meta::\(anonymous namespace\)::PrepStage::run\("),
    ("      phone normalisation (libphonenumber)", r"^sidetag::prep::detail::normalize_phone\("),
    ("      SHA-256 (sha256_hex, OpenSSL EVP)", r"^sidetag::util::sha256_hex"),
    ("    assemble stage", r"^sidetag::destinations::meta::\(anonymous namespace\)::AssembleStage::run\("),
    ("    validate stage", r"^sidetag::destinations::meta::\(anonymous namespace\)::ValidateStage::run\("),
    ("    dispatch stage (hand-off to the dispatcher)", r"^sidetag::destinations::meta::\(anonymous namespace\)::DispatchStage::run\("),
    ("    observers: per-stage metrics + per-event log line", r"^sidetag::app::PipelineObserver::(on_event_done|on_stage)\("),
    ("  response JSON (json_response)", r"^sidetag::app::\(anonymous namespace\)::json_response\("),
    ("logging, all lines (observe::log)", r"^sidetag::observe::log\("),
    ("JSON serialisation, all callers (nlohmann dump())", r"^nlohmann::json_abi_v3_11_2::basic_json<.*>::dump\("),
    ("JSON serialisation, all callers (util::json_write)", r"^sidetag::util::(append_json|to_json_text|append_json_string)\("),
    ("Meta dispatcher: enqueue", r"^sidetag::destinations::meta::Dispatcher::Impl::enqueue\("),
    ("Meta dispatcher: send (build_body, Graph request)", r"^sidetag::destinations::meta::Dispatcher::Impl::send\("),
    ("  build_body (batch JSON)", r"^sidetag::destinations::meta::build_body\("),
    ("HTTP request parsing (Beast basic_parser::put)", r"^boost::beast::http::basic_parser<true>::put\("),
    ("malloc + free + realloc (all callers)", r"^(malloc|free|realloc)$"),
    ("  + operator new/delete (mimalloc's own; with glibc they call malloc: overlaps)",
     r"^operator (new|delete)(\[\])?\("),
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(bench.ROOT, "build-bench", "sidetag"))
    ap.add_argument("--requests-per-s", type=int, default=100)
    ap.add_argument("--seconds", type=int, default=15)
    ap.add_argument("--events", type=int, default=1)
    ap.add_argument("--script", default="capi_json/capi.lua")
    ap.add_argument("--name", default="capi_json")
    a = ap.parse_args()
    os.makedirs(bench.RESULTS, exist_ok=True)
    import tempfile
    work = tempfile.mkdtemp(prefix="sidetag-profile-")
    out = os.path.join(bench.RESULTS, f"callgrind.{a.name}.out")
    graph = bench.fake_graph(work, 1)
    port = bench.free_port()
    cfg_text = bench.sidetag_config(port, graph.port, work, 1000)
    st = bench.Sidetag(a.bin, cfg_text, work, "profile-" + a.name, 0)
    for ga4, delivery in ((True, True), (False, True), (False, False)):
        cfg_text = bench.sidetag_config(port, graph.port, work, 1000, with_ga4=ga4, with_delivery=delivery)
        st = bench.Sidetag(a.bin, cfg_text, work, "profile-" + a.name, 0)
        if st.validate()[0]:
            break
    env = dict(os.environ, META_TOKEN=bench.TOKEN)
    logf = open(st.log_path, "wb")
    proc = subprocess.Popen(["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}",
                             a.bin, "serve", "--config", st.cfg, "--env", "bench"],
                            stdout=logf, stderr=subprocess.STDOUT, env=env)
    try:
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                if bench.http(port, "GET", "/readyz", timeout=2)[0] == 200:
                    break
            except OSError:
                time.sleep(0.2)
        else:
            sys.exit("sidetag under valgrind did not get ready")
        # Warm-up outside the measurement: one-time lazy initialisation (libphonenumber's PhoneNumberUtil singleton
        # compiles hundreds of ICU regexes on the first phone number, ~30 M instructions) is not a per-event cost.
        bench.run_wrk(os.path.join(bench.HERE, a.script), port, 3, 2, 1, rate=20,
                      extra_env={"BENCH_EVENTS_PER_REQUEST": str(a.events)})
        m_before = bench.parse_metrics(bench.http(port, "GET", "/metrics")[1].decode())
        subprocess.run(["callgrind_control", "-i", "on", str(proc.pid)], check=True, capture_output=True)
        res = bench.run_wrk(os.path.join(bench.HERE, a.script), port, a.seconds, 4, 1, rate=a.requests_per_s,
                            extra_env={"BENCH_EVENTS_PER_REQUEST": str(a.events)})
        time.sleep(2.5)  # the last batch goes out (max_delay_ms 1000) while collecting
        m = bench.parse_metrics(bench.http(port, "GET", "/metrics")[1].decode())
        events = bench.msum(m, "sidetag_events_received_total") - bench.msum(m_before, "sidetag_events_received_total")
        if a.name.startswith("ga4"):
            events = res["requests"] * res["events_per_request"]
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(120)
        logf.close()
        graph.stop()
    ann = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=99.9", out], capture_output=True,
                         text=True).stdout
    with open(out + ".annotated.txt", "w") as f:
        f.write(ann)
    total = None
    rows = []
    for line in ann.splitlines():
        mt = re.match(r"^\s*([\d,]+)\s+\(\s*[\d.]+%\)\s+PROGRAM TOTALS", line)
        if mt:
            total = int(mt.group(1).replace(",", ""))
        mf = re.match(r"^\s*([\d,]+)\s+\(\s*([\d.]+)%\)\s+(.+)$", line)
        if mf and "PROGRAM TOTALS" not in line:
            rest = re.sub(r" \[[^\]]*\]$", "", mf.group(3).strip())
            mfile = re.match(r"^(\?\?\?|[^ ]*?[^:]):(?!:)(.*)$", rest)  # "file:function"; "::" is not a separator
            rows.append((int(mf.group(1).replace(",", "")), mfile.group(2) if mfile else rest))
    # With debug info a function can be listed once per source file it has code from (inlining): keep the largest.
    best = {}
    for c, fn in rows:
        best[fn] = max(best.get(fn, 0), c)
    rows = sorted(((c, fn) for fn, c in best.items()), reverse=True)
    if not total:
        m2 = re.search(r"^\s*([\d,]+)\s+\(100.0%\)\s+PROGRAM TOTALS", ann, re.M)
        total = int(m2.group(1).replace(",", "")) if m2 else sum(r[0] for r in rows[:1])
    print(f"callgrind: {a.name}, {res['requests']:.0f} requests, {events:.0f} events, {total:,} instructions "
          f"(all threads) = {total / max(events, 1):,.0f} Ir/event\n")
    print("| Group (inclusive) | Ir/event | share of all instructions |")
    print("|---|---|---|")
    for name, rx in GROUPS:
        r = re.compile(rx)
        ir = sum(c for c, fn in rows if r.search(fn))
        print(f"| {name} | {ir / max(events, 1):,.0f} | {ir / total:.1%} |")
    print("\nTop functions by inclusive cost (Ir/event):")
    seen = 0
    for c, fn in rows:
        if seen >= 40:
            break
        print(f"  {c / max(events, 1):>10,.0f}  {c / total:6.1%}  {fn[:160]}")
        seen += 1


if __name__ == "__main__":
    main()
