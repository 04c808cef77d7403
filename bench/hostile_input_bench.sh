#!/usr/bin/env bash
# Time and peak RSS of sluice on hostile input (issue 8 §5): YAML alias bombs given to
# `scan` and `validate`, and workflows with 100,000 and 256 jobs. Prints one row a file.
# Usage: bench/hostile_input_bench.sh [SLUICE_BINARY...]   (default: build/sluice)
set -euo pipefail
binaries=("$@")
[ ${#binaries[@]} -gt 0 ] || binaries=(build/sluice)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

bomb() {  # bomb LEVELS FANOUT PREFIX: anchors of FANOUT aliases of the one before
  local levels=$1 fanout=$2 prefix=$3 i k line
  line="${prefix}a0: &a0 [lol"
  for ((k = 1; k < fanout; k++)); do line+=", lol"; done
  echo "$line]"
  for ((i = 1; i < levels; i++)); do
    line="${prefix}a$i: &a$i [*a$((i - 1))"
    for ((k = 1; k < fanout; k++)); do line+=", *a$((i - 1))"; done
    echo "$line]"
  done
}
jobs() {  # jobs N [STEPS]: a workflow of N jobs of STEPS (default 1) steps
  local i s
  echo "on: push"
  echo "jobs:"
  for ((i = 0; i < $1; i++)); do
    printf '  j%d:\n    runs-on: x\n    steps:\n' "$i"
    for ((s = 0; s < ${2:-1}; s++)); do printf '      - run: echo %d\n' "$s"; done
  done
}
bomb 10 10 "" >"$work/bomb-10e10.yaml"   # 10^10 nodes: over any fixed limit
bomb 7 10 "" >"$work/bomb-10e7.yaml"     # 10^7 nodes: under the old fixed 20 million
{ bomb 7 6 x-; printf 'on: push\njobs:\n  a:\n    runs-on: x\n    strategy: {matrix: {v: *a6}}\n    steps: [{run: a}]\n'; } >"$work/wf-bomb.yml"
jobs 100000 >"$work/jobs-100000.yml"
jobs 256 >"$work/jobs-256.yml"
jobs 256 60 >"$work/jobs-256x60.yml"   # the most jobs a file may have, near the 500 KB limit

measure() {  # measure BINARY ARGS...: "wall s, user s, peak RSS MB, first line of output"
  local out
  out=$(/usr/bin/time -f '%e %U %M' -o "$work/time" "$@" 2>&1 | head -1 | cut -c1-110) || true
  read -r wall user rss < <(tail -n 1 "$work/time")
  printf '%s s | %s s | %s MB | %s' "$wall" "$user" "$((rss / 1024))" "$(sed 's|^[^ ]*/||' <<<"$out")"
}
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "| binary | command | bytes | wall | user | peak RSS | first line |"
echo "| --- | --- | ---: | ---: | ---: | ---: | --- |"
for bin in "${binaries[@]}"; do
  for f in bomb-10e10.yaml bomb-10e7.yaml; do
    echo "| $bin | scan $f | $(wc -c <"$work/$f") | $(measure "$bin" scan --pack aws-solutions "$work/$f") |"
  done
  for f in wf-bomb.yml jobs-100000.yml jobs-256.yml jobs-256x60.yml; do
    echo "| $bin | validate $f | $(wc -c <"$work/$f") | $(measure "$bin" validate "$work/$f") |"
  done
done
