#!/usr/bin/env bash
# Installs everything sidetag needs to build, run and test on Debian 12 (bookworm).
# Idempotent: packages already present are skipped by apt. Needs root (or sudo).
#   scripts/install-deps.sh            build + run dependencies
#   scripts/install-deps.sh --test     also test tools (clang/libFuzzer, PostgreSQL, ...)
#   scripts/install-deps.sh --runtime  only the shared libraries the binary needs (container runtime stage)
set -euo pipefail

mode=build
case "${1:-}" in
  --test) mode=test ;;
  --runtime) mode=runtime ;;
  --bench) mode=bench ;;
  "") ;;
  *) echo "usage: $0 [--test|--runtime|--bench]" >&2; exit 2 ;;
esac

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

# Boost 1.74, not 1.81: libphonenumber-dev depends on Boost 1.74 and the two -dev sets conflict.
build_pkgs=(
  build-essential g++ cmake ninja-build ccache pkg-config git ca-certificates
  libboost1.74-dev libboost-system1.74-dev
  nlohmann-json3-dev libssl-dev libspdlog-dev libfmt-dev libyaml-cpp-dev
  libphonenumber-dev libicu-dev libsqlite3-dev libpq-dev libmimalloc-dev zlib1g-dev
  libgtest-dev libgmock-dev
)
runtime_pkgs=(
  ca-certificates libssl3 libspdlog1.10 libfmt9 libyaml-cpp0.7 libphonenumber8 libicu72
  libsqlite3-0 libpq5 libboost-system1.74.0 libmimalloc2.0 zlib1g
)
test_pkgs=( clang-14 libclang-rt-14-dev curl python3 procps )
bench_pkgs=( wrk nginx-light procps python3 curl valgrind )

case "$mode" in
  runtime) pkgs=("${runtime_pkgs[@]}") ;;
  build)   pkgs=("${build_pkgs[@]}") ;;
  test)    pkgs=("${build_pkgs[@]}" "${test_pkgs[@]}") ;;
  bench)   pkgs=("${build_pkgs[@]}" "${bench_pkgs[@]}") ;;
esac
# bench/reference_forwarder (the forwarder on Meta's Node SDK the benchmark compares against) needs node and npm:
# Debian's nodejs (18.x) and npm, unless both commands are already there (e.g. NodeSource's nodejs, which bundles
# npm and conflicts with Debian's npm package).
if [ "$mode" = bench ] && ! { command -v node && command -v npm; } >/dev/null 2>&1; then
  pkgs+=(nodejs npm)
fi

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-deps: all ${#pkgs[@]} packages present"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
