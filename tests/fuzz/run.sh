#!/usr/bin/env bash
# Runs every fuzz target built in BUILD_DIR for SECONDS each, over its seed corpus (tests/fuzz/<family>/corpus*).
# New inputs go to a scratch copy, so the committed corpus stays small. Longer runs: SECONDS=600 or more.
#   tests/fuzz/run.sh BUILD_DIR [SECONDS]
set -euo pipefail
build="$1"
seconds="${2:-15}"
here="$(cd "$(dirname "$0")" && pwd)"
found=0
failed=0
while IFS= read -r bin; do
  name="$(basename "$bin")"
  family="$(basename "$(dirname "$bin")")"
  work="$(mktemp -d)"
  seeds=()
  for c in "$here/$family"/corpus*; do
    [ -d "$c" ] || continue
    if [ -d "$c/$name" ]; then seeds+=("$c/$name"); else seeds+=("$c"); fi
  done
  found=$((found + 1))
  echo "--- $name: ${seconds}s over ${seeds[*]:-no seeds}"
  if ! "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$work/" "$work" "${seeds[@]}" > "$work/log" 2>&1; then
    failed=$((failed + 1))
    tail -n 40 "$work/log"
    echo "FUZZ FAILURE in $name; crash inputs in $work"
  else
    grep -E "stat::number_of_executed_units|Done" "$work/log" | tail -n 2 || true
    rm -rf "$work"
  fi
done < <(find "$build/tests/fuzz" -type f -executable -name 'fuzz_*' | sort)
echo "fuzz: $found targets, $failed failed"
[ "$found" -gt 0 ] || { echo "no fuzz targets were built"; exit 1; }
[ "$failed" -eq 0 ]
