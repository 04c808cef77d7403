#!/usr/bin/env bash
# The time a later command takes to mark a run interrupted after `sluice run` was SIGKILLed
# mid-step: `sluice runs` on a data dir with one orphaned run (it marks the run, its jobs,
# steps and attempts, and removes the leftovers), against `sluice runs` on the same history
# with nothing to mark. Best and median of N (default 5) rounds.
# Usage: bench/crash_recovery_bench.sh BUILD_DIR [N]
set -euo pipefail
SLUICE=$(cd "${1:?build dir}" && pwd)/sluice
N=${2:-5}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/repo/.github/workflows"
cat >"$WORK/repo/.github/workflows/w.yml" <<'YAML'
on: push
jobs:
  long:
    runs-on: x
    steps:
      - run: echo started
      - run: sleep ${{ vars.sleep }}
      - run: echo never
  after: {needs: long, runs-on: x, steps: [{run: echo never}]}
YAML
ms() { date +%s%N; }
marker="30.$$"  # a sleep length unique to this script: the orphan reaper should end it
marks=() idles=()
for i in $(seq "$N"); do
  data="$WORK/data$i"
  "$SLUICE" run "$WORK/repo" --data-dir "$data" --var "sleep=$marker" >/dev/null 2>&1 &
  pid=$!
  until [ "$(sqlite3 "$data/sluice.db" "SELECT status FROM steps WHERE step_index=1 AND job_key='long'" 2>/dev/null)" = running ]; do sleep 0.02; done
  kill -KILL "$pid"; wait "$pid" 2>/dev/null || true
  t0=$(ms); "$SLUICE" runs --data-dir "$data" >"$WORK/out"; t1=$(ms)
  grep -q interrupted "$WORK/out" || { echo "run not marked interrupted" >&2; exit 1; }
  t2=$(ms); "$SLUICE" runs --data-dir "$data" >/dev/null; t3=$(ms)
  marks+=($(((t1 - t0) / 1000))) idles+=($(((t3 - t2) / 1000)))
  for p in $(pgrep -f "^sleep $marker$" || true); do kill -KILL "$p"; done
done
stats() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {printf "best %.1f ms, median %.1f ms", a[1]/1000, a[int((NR+1)/2)]/1000}'; }
echo "sluice runs marking one interrupted run: $(stats "${marks[@]}")"
echo "sluice runs with nothing to mark:        $(stats "${idles[@]}")"
