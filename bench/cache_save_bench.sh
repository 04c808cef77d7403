#!/usr/bin/env bash
# Issue 9 §5 (b) through HTTP: cache save of 1 GiB (256k files of 2 KiB + one 512 MiB
# random file) by the real @actions/cache client (tests/runtime/clients, the version the
# lock file pins) as a step of `sluice run`, against the same client's own archive command
# (`tar --posix -cf ... --use-compress-program zstdmt`) on the same data.
#   upload = from the client's "File Size:" debug line (its archive is written) to saveCache's
#            return: every block PUT, the block list, FinalizeCacheEntryUpload — sluice's part
#   ratio  = (tar | zstdmt + upload) / (tar | zstdmt)        (goal ≤ 1.2×)
# Each of N rounds (default 3) runs the baseline then a save with a new key; best of each.
# Usage: bench/cache_save_bench.sh SLUICE [ROUNDS]     (data under /tmp, removed at exit)
set -euo pipefail
SLUICE=$(realpath "${1:?usage: cache_save_bench.sh SLUICE [ROUNDS]}")
ROUNDS=${2:-3}
SOURCE_DIR=$(cd "$(dirname "$0")/.." && pwd)
CLIENTS=$SOURCE_DIR/tests/runtime/clients
[ -d "$CLIENTS/node_modules/@actions/cache" ] || { echo "run 'npm ci' in $CLIENTS" >&2; exit 2; }
WORK=$(mktemp -d /tmp/sluice-bench-save.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

# BENCH_DATA=DIR keeps the generated data there between calls (generating takes minutes).
DATA=${BENCH_DATA:-$WORK/data}
[ -f "$DATA/large.bin" ] || "$SOURCE_DIR/bench/cache_bench_data.sh" "$DATA"

REPO=$WORK/repo
mkdir -p "$REPO/.github/workflows"
cat >"$REPO/round.sh" <<SH
#!/usr/bin/env bash
# round.sh I: the client's own archive command, timed, then the client's save (new key).
set -euo pipefail
ms() { echo \$((\$(date +%s%N) / 1000000)); }
# The sluice process running this step (the nearest ancestor named like the binary), and its
# CPU (user + system, all threads) in ms.
server=\$\$
while [ "\$server" -gt 1 ] && [ "\$(cat /proc/\$server/comm)" != "$(basename "$SLUICE" | cut -c1-15)" ]; do
  server=\$(awk '{print \$4}' /proc/\$server/stat)
done
[ "\$server" -gt 1 ] || { echo "round.sh: no sluice process above this step" >&2; exit 1; }
cpu_ms() { awk -v hz="\$(getconf CLK_TCK)" '{print int((\$14 + \$15) * 1000 / hz)}' /proc/\$server/stat; }
rm -f "$WORK/base.tzst"
sync
t0=\$(ms)
tar --posix -cf "$WORK/base.tzst" -P -C "$DATA" . --use-compress-program zstdmt
t1=\$(ms)
echo "baseline_ms=\$((t1 - t0)) archive_bytes=\$(stat -c %s "$WORK/base.tzst")" >>"$WORK/results"
rm -f "$WORK/base.tzst"
sync
c0=\$(cpu_ms)
node "$SOURCE_DIR/bench/cache_save_client.mjs" "$CLIENTS" "bench-\$1-\$RANDOM" "$DATA" 2>>"$WORK/results" >"$WORK/client-\$1.log" || { cat "$WORK/client-\$1.log"; exit 1; }
echo "server_cpu_ms=\$((\$(cpu_ms) - c0))" >>"$WORK/results"
SH
chmod +x "$REPO/round.sh"
{
  echo "on: push"
  echo "jobs:"
  echo "  save:"
  echo "    runs-on: local"
  echo "    steps:"
  for i in $(seq "$ROUNDS"); do echo "      - run: ./round.sh $i"; done
} >"$REPO/.github/workflows/bench.yml"
git -C "$REPO" init -q -b main
git -C "$REPO" -c user.name=b -c user.email=b@example.com add -A
git -C "$REPO" -c user.name=b -c user.email=b@example.com commit -q -m bench
out=$("$SLUICE" run "$REPO" --data-dir "$WORK/sluice-data" 2>&1) || { echo "$out" >&2; exit 1; }
out=$(cat "$WORK/results")
base=($(grep -o 'baseline_ms=[0-9]*' <<<"$out" | cut -d= -f2))
upload=($(grep -o 'upload_ms=[0-9]*' <<<"$out" | cut -d= -f2))
total=($(grep -o 'total_ms=[0-9]*' <<<"$out" | cut -d= -f2))
[ "${#upload[@]}" -eq "$ROUNDS" ] || { echo "$out" >&2; echo "a save failed" >&2; exit 1; }
best() { printf '%s\n' "$@" | sort -n | head -1; }
b=$(best "${base[@]}") u=$(best "${upload[@]}") t=$(best "${total[@]}")
mib=$(($(grep -o 'archive_bytes=[0-9]*' <<<"$out" | head -1 | cut -d= -f2) >> 20))
echo "archive: $mib MiB; load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "tar|zstdmt ${b} ms; upload+finalize ${u} ms; ratio $(python3 -c "print(f'{($b+$u)/$b:.2f}')")x (goal <= 1.2x)"
echo "client's whole save ${t} ms = $(python3 -c "print(f'{$t/$b:.2f}')")x tar|zstdmt (its file listing included)"
echo "runs: baseline ${base[*]} / upload ${upload[*]} / whole save ${total[*]}"
echo "CPU during the save: client (node) $(grep -o 'client_cpu_ms=[0-9]*' <<<"$out" | cut -d= -f2 | xargs) ms / sluice $(grep -o 'server_cpu_ms=[0-9]*' <<<"$out" | cut -d= -f2 | xargs) ms"
