#!/usr/bin/env bash
# Runs one libFuzzer target for $FUZZ_SECONDS (default 20) over a fresh copy of its seed
# corpus, with the limits CI uses: a crash, a sanitizer report, an input slower than 10 s or
# one using more than 2 GB fails the run (and the offending input is printed as a path).
# Usage: scripts/run_fuzzer.sh FUZZER_BINARY [SEED_DIR]   (called by `ctest -L fuzz`)
set -uo pipefail
fuzzer=$1
seeds=${2:-}
seconds=${FUZZ_SECONDS:-20}
corpus=$(mktemp -d)
trap 'rm -rf "$corpus"' EXIT
[ -n "$seeds" ] && [ -d "$seeds" ] && cp -r "$seeds/." "$corpus/"
echo "fuzz: $(basename "$fuzzer") for ${seconds}s ($(ls "$corpus" | wc -l) seeds)"
"$fuzzer" -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=2048 -timeout=10 \
  -print_final_stats=0 -artifact_prefix="$corpus/" "$corpus" 2>&1 | tail -n 3
status=${PIPESTATUS[0]}
if [ "$status" -ne 0 ]; then
  echo "FAIL: $(basename "$fuzzer") exited $status"
  ls "$corpus"/crash-* "$corpus"/timeout-* "$corpus"/oom-* "$corpus"/leak-* 2>/dev/null
  exit 1
fi
