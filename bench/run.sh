#!/usr/bin/env bash
# One command: dependencies, a Release build in build-bench/, every scenario, one Markdown table
# (also written to bench/results/latest.md). Options go to bench/bench.py, e.g.
#   bash bench/run.sh --duration 20 --only capi_json,ga4_collect
# Needs 2+ CPUs: sidetag and the nginx ceiling run on CPU 0, wrk and the fake Graph API on CPU 1.
# The node_sdk_forwarder scenarios (the reference forwarder on Meta's Node SDK, bench/reference_forwarder) need node
# and npm (installed by install-deps.sh --bench); bench.py runs `npm ci` there first (SIDETAG_BENCH_SKIP_NPM=1 reuses
# an existing node_modules) and skips them with a message when node, npm or the npm registry is unavailable.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${SIDETAG_BENCH_BUILD:-$root/build-bench}"
if [ "${SIDETAG_BENCH_SKIP_DEPS:-0}" != 1 ]; then
  bash "$root/scripts/install-deps.sh" --bench
fi
if [ "${SIDETAG_BENCH_SKIP_BUILD:-0}" != 1 ]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSIDETAG_TESTS=OFF >/dev/null
  cmake --build "$build" --target sidetag -j "${SIDETAG_JOBS:-2}"
fi
[ "$(nproc)" -ge 2 ] || echo "bench: fewer than 2 CPUs: client and server share a core, numbers are pessimistic" >&2
# As root, by default: nginx and wrk SCHED_FIFO, sidetag's session autogroup at nice -10 (see bench.py, --rt), so
# that other work on a shared machine does not decide the result. SIDETAG_BENCH_RT=0 turns that off.
rt=()
if [ "$(id -u)" -eq 0 ] && [ "${SIDETAG_BENCH_RT:-1}" != 0 ]; then rt=(--rt); fi
exec python3 "$root/bench/bench.py" --bin "$build/sidetag" "${rt[@]}" "$@"
