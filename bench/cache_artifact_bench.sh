#!/usr/bin/env bash
# Issue 9 §5 (b) and (c): the runtime's storage side on 1 GiB.
#   (b) cache save/restore of 1 GiB (256k files of 2 KiB + one 512 MiB file) against
#       `tar | zstd` of the same data. Save = what actions/cache does (tar | zstd into an
#       archive file) + what sluice adds (receive the upload in 64 MiB blocks, hash, fsync,
#       publish, index). Restore = sluice's part (look up, stream the blob into the
#       client's download file) + `zstd -d | tar x`. Each part is the best of 3 runs; the
#       ratio is (baseline + sluice's part) / baseline.
#   (c) artifact upload/download of one 1 GiB file against `cp` (and `cp` + fsync, since
#       sluice makes its copy durable), with peak RSS.
# sluice's part is driven through build/bench/runtime_store_tool (the classes the runtime
# server calls), not over HTTP. Everything lives under a temp dir in /tmp, removed at exit.
# Usage: bench/cache_artifact_bench.sh [BUILD_DIR] (default: build)
set -euo pipefail
BUILD=${1:-build}
TOOL=$BUILD/bench/runtime_store_tool
[ -x "$TOOL" ] || { echo "build $TOOL first: cmake --build $BUILD --target runtime_store_tool" >&2; exit 2; }
WORK=$(mktemp -d /tmp/sluice-bench-store.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

now_ms() { echo $(($(date +%s%N) / 1000000)); }
# timed LABEL CMD...: runs CMD, prints its wall time in ms to stdout (peak RSS of the
# command itself to $WORK/rss, from GNU time).
timed() {
  local start end
  start=$(now_ms)
  /usr/bin/time -f %M -o "$WORK/rss" "$@"
  end=$(now_ms)
  echo $((end - start))
}

"$(dirname "$0")/cache_bench_data.sh" "$WORK/data"

echo "## (b) cache" >&2
best() { sort -n | head -1; }
save_base=() save_store=() rest_base=() rest_store=() rest_after=() store_rss=()
for i in 1 2 3; do
  rm -rf "$WORK/dd" "$WORK/out"* "$WORK"/*.tzst
  save_base+=("$(timed bash -c "tar -cf - -C '$WORK/data' . | zstd -T0 -q -o '$WORK/archive.tzst'")")
  save_store+=("$(timed "$TOOL" cache-save "$WORK/dd" key-$i "$WORK/archive.tzst" 2>/dev/null)")
  store_rss+=("$(cat "$WORK/rss")")
  mkdir -p "$WORK/out1" "$WORK/out2"
  rest_base+=("$(timed bash -c "zstd -d -q -c '$WORK/archive.tzst' | tar -xf - -C '$WORK/out1'")")
  a=$(timed "$TOOL" cache-restore "$WORK/dd" key-$i "$WORK/download.tzst" 2>/dev/null)
  store_rss+=("$(cat "$WORK/rss")")
  b=$(timed bash -c "zstd -d -q -c '$WORK/download.tzst' | tar -xf - -C '$WORK/out2'")
  rest_store+=("$a")
  rest_after+=("$b")
  cmp -s "$WORK/data/large.bin" "$WORK/out2/large.bin" || { echo "restore differs" >&2; exit 1; }
done
archive_mib=$(($(stat -c %s "$WORK/archive.tzst") >> 20))
sb=$(printf '%s\n' "${save_base[@]}" | best)
ss=$(printf '%s\n' "${save_store[@]}" | best)
rb=$(printf '%s\n' "${rest_base[@]}" | best)
rs=$(printf '%s\n' "${rest_store[@]}" | best)
rss=$(printf '%s\n' "${store_rss[@]}" | sort -n | tail -1)
echo "archive: $archive_mib MiB"
echo "save:    tar|zstd ${sb} ms; + sluice store ${ss} ms = $((sb + ss)) ms; ratio $(python3 -c "print(f'{($sb+$ss)/$sb:.2f}')")x (runs: ${save_base[*]} / ${save_store[*]})"
echo "restore: zstd -d|tar x ${rb} ms; + sluice lookup+stream ${rs} ms = $((rb + rs)) ms; ratio $(python3 -c "print(f'{($rb+$rs)/$rb:.2f}')")x (runs: ${rest_base[*]} / ${rest_store[*]}; zstd -d|tar x of the downloaded copy: ${rest_after[*]})"
echo "sluice store peak RSS: ${rss} KiB"

echo "## (c) artifacts" >&2
rm -rf "$WORK/data" "$WORK/out"* "$WORK"/*.tzst "$WORK/dd"
head -c $((1 << 30)) /dev/urandom >"$WORK/big.bin"
sync
up=() down=() cp_up=() cp_sync=() rss_up=() rss_down=() rss_cp=()
for i in 1 2 3; do
  rm -rf "$WORK/dd" "$WORK/copy.bin" "$WORK/dl" "$WORK/copy2.bin"
  cp_up+=("$(timed cp "$WORK/big.bin" "$WORK/copy.bin")")
  rss_cp+=("$(cat "$WORK/rss")")
  rm -f "$WORK/copy.bin"
  cp_sync+=("$(timed bash -c "cp '$WORK/big.bin' '$WORK/copy.bin' && sync '$WORK/copy.bin'")")
  rm -f "$WORK/copy.bin"
  up+=("$(timed "$TOOL" artifact-upload "$WORK/dd" 1 big.bin "$WORK/big.bin" 2>/dev/null)")
  rss_up+=("$(cat "$WORK/rss")")
  down+=("$(timed "$TOOL" artifact-download "$WORK/dd" 1 big.bin "$WORK/dl" 2>/dev/null)")
  rss_down+=("$(cat "$WORK/rss")")
  cmp -s "$WORK/big.bin" "$WORK/dl/big.bin" || { echo "download differs" >&2; exit 1; }
done
mbps() { python3 -c "print(f'{1024 / ($1 / 1000):.0f}')"; }
c=$(printf '%s\n' "${cp_up[@]}" | best)
cs=$(printf '%s\n' "${cp_sync[@]}" | best)
u=$(printf '%s\n' "${up[@]}" | best)
d=$(printf '%s\n' "${down[@]}" | best)
echo "cp:        ${c} ms ($(mbps "$c") MiB/s), peak RSS $(printf '%s\n' "${rss_cp[@]}" | sort -n | tail -1) KiB (runs: ${cp_up[*]})"
echo "cp+fsync:  ${cs} ms ($(mbps "$cs") MiB/s) (runs: ${cp_sync[*]})"
echo "upload:    ${u} ms ($(mbps "$u") MiB/s), $(python3 -c "print(f'{$u/$c:.2f}')")x cp, $(python3 -c "print(f'{$u/$cs:.2f}')")x cp+fsync, peak RSS $(printf '%s\n' "${rss_up[@]}" | sort -n | tail -1) KiB (runs: ${up[*]})"
echo "download:  ${d} ms ($(mbps "$d") MiB/s), $(python3 -c "print(f'{$d/$c:.2f}')")x cp, peak RSS $(printf '%s\n' "${rss_down[@]}" | sort -n | tail -1) KiB (runs: ${down[*]})"
