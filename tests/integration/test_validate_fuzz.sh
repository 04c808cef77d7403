#!/usr/bin/env bash
# Runs the workflow loader fuzzer briefly over the validate fixtures, when it was built
# (cmake -DSLUICE_FUZZ=ON with clang puts it in <build>/fuzz/). Skipped otherwise.
set -uo pipefail
: "${SLUICE:?path of the sluice binary}" "${FIXTURES:?fixtures directory}"
fuzzer="$(dirname "$SLUICE")/fuzz/workflow_loader_fuzz"
if [ ! -x "$fuzzer" ]; then
  echo "test_validate_fuzz: skipped ($fuzzer not built; configure with -DSLUICE_FUZZ=ON and clang)"
  exit 0
fi
corpus=$(mktemp -d)
trap 'rm -rf "$corpus"' EXIT
find "$FIXTURES/validate" -name '*.yml' -o -name '*.yaml' | while read -r f; do cp "$f" "$corpus/"; done
"$fuzzer" "$corpus" -max_total_time="${FUZZ_SECONDS:-20}" -max_len=4096 -rss_limit_mb=1024 -timeout=10 \
  -artifact_prefix="$corpus/" 2>&1 | tail -3
status=${PIPESTATUS[0]}
[ "$status" -eq 0 ] || { echo "FAIL: fuzzer exited $status"; ls "$corpus"/crash-* "$corpus"/timeout-* "$corpus"/oom-* 2>/dev/null; exit 1; }
echo "test_validate_fuzz: passed"
