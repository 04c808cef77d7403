#!/usr/bin/env bash
# End-to-end benchmarks of `sluice run` / `sluice plan` against their baselines.
# Usage: bench/engine_bench.sh [BUILD_DIR]   (default: build). Prints a Markdown table.
#
#  (a) per-step overhead: one job of 500 `run: true` steps vs. 500 sequential
#      `bash --noprofile --norc -c true` (the fork/exec floor)         goal ≤ 1.5×
#  (b) per-job overhead: 200 independent one-step jobs vs. the same floor
#  (c) validate + plan of a workflow expanding to 10,000 jobs           goal < 200 ms
#  (e) one step printing 100 MB vs. the same command into /dev/null    goal ≤ 1.2×,
#      peak RSS < 32 MB whatever the log size; with floors for comparison: the same
#      command through a pipe into cat, writing a file directly, and through cat into a file
#  (f) peak RSS of each (GNU time's maximum resident set size)
set -euo pipefail
build=${1:-build}
sluice=$(cd "$build" && pwd)/sluice
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

now_ms() { date +%s%3N; }
# Runs a command, prints "<wall ms> <peak RSS KiB>".
measure() {
  local start end
  start=$(now_ms)
  /usr/bin/time -f "%M" -o "$work/rss" "$@" >/dev/null 2>"$work/stderr" || { cat "$work/stderr" >&2; return 1; }
  end=$(now_ms)
  echo "$((end - start)) $(cat "$work/rss")"
}
best_of() {  # best_of N cmd... → the fastest of N runs
  local n=$1; shift
  local best="" r
  for _ in $(seq "$n"); do
    r=$(measure "$@")
    if [ -z "$best" ] || [ "${r%% *}" -lt "${best%% *}" ]; then best=$r; fi
  done
  echo "$best"
}

repo() { mkdir -p "$work/$1/.github/workflows"; echo "$work/$1"; }

# (a) 500 steps in one job
a=$(repo steps)
{ echo "on: push"; echo "jobs:"; echo "  j:"; echo "    runs-on: local"; echo "    steps:";
  for i in $(seq 500); do echo "      - run: 'true'"; done; } > "$a/.github/workflows/w.yml"
floor_script="$work/floor.sh"
echo 'for i in $(seq 500); do bash --noprofile --norc -c true; done' > "$floor_script"
floor=$(best_of 3 bash "$floor_script")
steps=$(best_of 3 "$sluice" run "$a" --data-dir "$work/steps-data")

# (b) 200 independent jobs
b=$(repo jobs)
{ echo "on: push"; echo "jobs:";
  for i in $(seq 200); do echo "  j$i: {runs-on: local, steps: [{run: 'true'}]}"; done; } > "$b/.github/workflows/w.yml"
floor200_script="$work/floor200.sh"
echo 'for i in $(seq 200); do bash --noprofile --norc -c true; done' > "$floor200_script"
floor200=$(best_of 3 bash "$floor200_script")
jobs=$(best_of 3 "$sluice" run "$b" --data-dir "$work/jobs-data" --jobs 2)

# (c) 100 jobs in a chain of needs, each a 10 x 10 matrix: 10,000 job instances
c=$(repo plan)
{ echo "on: push"; echo "jobs:";
  for i in $(seq 100); do
    echo "  j$i:"; echo "    runs-on: local"
    [ "$i" -gt 1 ] && echo "    needs: j$((i - 1))"
    echo "    if: github.event_name == 'push'"
    echo "    strategy: {matrix: {a: [1,2,3,4,5,6,7,8,9,10], b: [1,2,3,4,5,6,7,8,9,10]}}"
    echo "    steps: [{run: 'echo \${{ matrix.a }} \${{ matrix.b }}'}]"
  done; } > "$c/.github/workflows/w.yml"
plan=$(best_of 5 "$sluice" plan "$c" --json)
instances=$("$sluice" plan "$c" --json | grep -c '"a":' || true)

# (e) 100 MB of output
e=$(repo output)
gen='head -c 104857600 /dev/zero | tr "\\0" x | fold -w 99'
cat > "$e/.github/workflows/w.yml" <<YAML
on: push
jobs:
  j:
    runs-on: local
    steps:
      - run: $gen
YAML
direct=$(best_of 3 bash -c "$gen > /dev/null")
# What any runner that keeps the log must pay at least: the same command through a pipe
# (a reader process), and the same command writing the log file itself, no pipe at all.
piped=$(best_of 3 bash -c "$gen | cat > /dev/null")
to_file=$(best_of 3 bash -c "$gen > '$work/direct.log'")
piped_to_file=$(best_of 3 bash -c "$gen | cat > '$work/direct.log'")
rm -f "$work/direct.log"
output=$(best_of 3 "$sluice" run "$e" --data-dir "$work/output-data")
log_bytes=$(find "$work/output-data/logs" -name '*.log' -printf '%s\n' | sort -n | tail -1)

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
per() { awk -v a="$1" -v b="$2" -v n="$3" 'BEGIN { printf "%.2f", (a - b) / n }'; }
echo "| benchmark | sluice | baseline | ratio / figure | peak RSS |"
echo "| --- | --- | --- | --- | --- |"
echo "| (a) 500 steps of \`run: true\` in one job | ${steps%% *} ms | 500 × bash -c true: ${floor%% *} ms | $(ratio "${steps%% *}" "${floor%% *}")× (goal ≤ 1.5×); $(per "${steps%% *}" "${floor%% *}" 500) ms/step above the floor | ${steps##* } KiB |"
echo "| (b) 200 independent jobs, --jobs 2 | ${jobs%% *} ms | 200 × bash -c true: ${floor200%% *} ms | $(ratio "${jobs%% *}" "${floor200%% *}")×; $(per "${jobs%% *}" "${floor200%% *}" 200) ms/job above the floor | ${jobs##* } KiB |"
echo "| (c) validate + plan, $instances job instances | ${plan%% *} ms | — | goal < 200 ms | ${plan##* } KiB |"
echo "| (e) one step printing 100 MB ($log_bytes bytes logged) | ${output%% *} ms | same command > /dev/null: ${direct%% *} ms | $(ratio "${output%% *}" "${direct%% *}")× (goal ≤ 1.2×) | ${output##* } KiB (goal < 32 MB) |"
floors='| (e) floors: the same command `| cat > /dev/null` / `> file` / `| cat > file` |'
echo "$floors | ${piped%% *} / ${to_file%% *} / ${piped_to_file%% *} ms | $(ratio "${piped%% *}" "${direct%% *}")× / $(ratio "${to_file%% *}" "${direct%% *}")× / $(ratio "${piped_to_file%% *}" "${direct%% *}")× of > /dev/null; sluice is $(ratio "${output%% *}" "${piped_to_file%% *}")× of \`| cat > file\` | |"
