#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to the whole test suite:
#   1. dependencies (scripts/install-deps.sh --test)
#   2. build + unit and integration tests (ctest; integration tests run the real binary against fakes)
#   3. ASan+UBSan build of the Asio-free core (parsers, normalizers, config, pipeline) + its unit tests
#   4. libFuzzer build (clang) + a short bounded run of every fuzz target over its seed corpus
# Environment: SIDETAG_FUZZ_SECONDS (default 15 per target), SIDETAG_SKIP_SANITIZE=1, SIDETAG_SKIP_FUZZ=1.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
jobs="${SIDETAG_JOBS:-$(nproc)}"
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$root}" CCACHE_NOHASHDIR="${CCACHE_NOHASHDIR:-true}"
start=$(date +%s)
step() { echo; echo "=== $* ($(( $(date +%s) - start )) s)"; }

step "dependencies"
bash scripts/install-deps.sh --test
bash scripts/install-deps.sh --runtime   # the container's runtime package list, checked here

step "build"
SIDETAG_BUILD_DIR="$root/build" bash scripts/build.sh

step "unit + integration tests"
ctest --test-dir "$root/build" --output-on-failure -j "$jobs"

if [ "${SIDETAG_SKIP_SANITIZE:-0}" != 1 ]; then
  step "ASan+UBSan: Asio-free core and its unit tests"
  cmake -S "$root" -B "$root/build-asan" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DSIDETAG_PURE_ONLY=ON -DSIDETAG_SANITIZE=ON >/dev/null
  cmake --build "$root/build-asan" -j "$jobs"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir "$root/build-asan" --output-on-failure -j "$jobs"
fi

if [ "${SIDETAG_SKIP_FUZZ:-0}" != 1 ]; then
  step "libFuzzer targets (short bounded runs)"
  CC=clang-14 CXX=clang++-14 cmake -S "$root" -B "$root/build-fuzz" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DSIDETAG_FUZZ=ON >/dev/null
  cmake --build "$root/build-fuzz" -j "$jobs"
  bash "$root/tests/fuzz/run.sh" "$root/build-fuzz" "${SIDETAG_FUZZ_SECONDS:-15}"
fi

step "all tests passed"
