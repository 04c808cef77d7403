#!/usr/bin/env bash
# Time from Ctrl-C to exit of `sluice run` with 100 queued jobs (issue 8 §1).
# Usage: bench/cancel_bench.sh [SLUICE_BINARY] [RUNS]   (default: build/sluice, 3 runs)
#
# A workflow of 100 independent jobs, each `sleep 1`, run with --jobs 1: one job runs, 99
# wait for the slot. Once the first job's step has started, SIGINT goes to sluice; the
# figure is the wall time from that signal to sluice's exit (and its exit code), plus how
# many jobs started. A second figure does the same with two signals 50 ms apart (the
# second Ctrl-C kills the running step at once instead of stopping it with SIGTERM).
set -euo pipefail
sluice=$(realpath "${1:-build/sluice}")
runs=${2:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/repo/.github/workflows"
{
  echo "on: push"
  echo "jobs:"
  for i in $(seq 1 100); do echo "  j$i: {runs-on: x, steps: [{run: sleep 1}]}"; done
} >"$work/repo/.github/workflows/queued.yml"

# one_run SIGNALS: prints "<ms from the first signal to exit> <exit code> <jobs started>".
one_run() {
  rm -rf "$work/data"
  "$sluice" run "$work/repo" --data-dir "$work/data" --jobs 1 >"$work/out" 2>&1 &
  local pid=$! start end rc=0
  for _ in $(seq 200); do grep -q "started" "$work/out" 2>/dev/null && break; sleep 0.01; done
  start=$(date +%s%N)
  kill -INT "$pid"
  if [ "$1" -ge 2 ]; then sleep 0.05; kill -INT "$pid" 2>/dev/null || true; fi
  wait "$pid" || rc=$?
  end=$(date +%s%N)
  echo "$(((end - start) / 1000000)) $rc $(grep -c '\] started' "$work/out")"
}

for signals in 1 2; do
  for _ in $(seq "$runs"); do
    read -r ms rc started < <(one_run "$signals")
    echo "signals=$signals: exit ${rc} after ${ms} ms; jobs started: ${started}"
  done
done
