#!/usr/bin/env bash
# Configures and builds sidetag into build/ (or $SIDETAG_BUILD_DIR). Extra arguments go to CMake's configure.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${SIDETAG_BUILD_DIR:-$root/build}"
jobs="${SIDETAG_JOBS:-$(nproc)}"
# ccache keyed on paths relative to the checkout, so a fresh clone (CI) reuses the cache of earlier builds.
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$root}" CCACHE_NOHASHDIR="${CCACHE_NOHASHDIR:-true}"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE="${SIDETAG_BUILD_TYPE:-RelWithDebInfo}" "$@" >/dev/null
cmake --build "$build" -j "$jobs"
