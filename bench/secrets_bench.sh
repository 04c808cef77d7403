#!/usr/bin/env bash
# Secret-scan throughput: generates a synthetic source tree (default 200 MB) in /tmp and
# times `sluice scan --pack secrets` on it. Reports wall time and CPU time (user+sys):
# the CPU figure is the single-core throughput even on a busy machine (the scan is
# single-threaded).
#
# Usage: bench/secrets_bench.sh [SLUICE_BINARY] [MEGABYTES] [RUNS]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
sluice="$(realpath "${1:-$here/../build/sluice}")"
megabytes="${2:-200}"
runs="${3:-3}"
tree="/tmp/sluice-secrets-bench-${megabytes}mb"

if [ ! -x "$sluice" ]; then
  echo "secrets_bench: no sluice binary at $sluice (build it, or pass its path)" >&2
  exit 2
fi
if [ ! -f "$tree.complete" ]; then
  rm -rf "$tree"
  python3 "$here/secrets_gen_tree.py" "$tree" "$megabytes"
  touch "$tree.complete"
fi
bytes=$(find "$tree" -type f -printf '%s\n' | awk '{s += $1} END {print s}')
echo "tree: $tree ($((bytes / 1048576)) MB, $(find "$tree" -type f | wc -l) files)"
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"

cd "$tree"
"$sluice" scan --pack secrets >/dev/null 2>&1 || true  # warm the page cache
for run in $(seq "$runs"); do
  /usr/bin/time -o /tmp/sluice-secrets-bench.time -f "%e %U %S %M" \
    "$sluice" scan --pack secrets >/tmp/sluice-secrets-bench.out 2>/dev/null || true
  read -r wall user sys rss < <(tail -1 /tmp/sluice-secrets-bench.time)
  python3 - "$bytes" "$wall" "$user" "$sys" "$rss" "$run" <<'PY'
import sys
size, wall, user, sys_t, rss, run = sys.argv[1:]
mb = int(size) / 1048576
cpu = float(user) + float(sys_t)
print(f"run {run}: wall {float(wall):.2f} s ({mb / float(wall):.0f} MB/s), "
      f"cpu {cpu:.2f} s ({mb / cpu:.0f} MB/s on one core), peak RSS {int(rss) // 1024} MB")
PY
done
echo "findings: $(tail -1 /tmp/sluice-secrets-bench.out)"
