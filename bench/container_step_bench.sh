#!/usr/bin/env bash
# Overhead of a step in a job container over a native step (issue 9 §5 (d)).
# Usage: bench/container_step_bench.sh [SLUICE_BINARY] [STEPS]   (default: build/sluice, 20)
#
# Two jobs of STEPS `run: true` steps each, one native and one with `container:` (the
# container tests' local image: bash + coreutils, built with `podman import`), run one after
# the other. Figures from the stored step records (started_ms/finished_ms): the median step
# of each job, the "Initialize containers" and "Stop containers" steps, and the wall time
# of each run. Needs a working container engine (as the tests: Podman + runc here).
set -euo pipefail
sluice=$(realpath "${1:-build/sluice}")
steps=${2:-20}
root=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d) TEST_NAME=container_step_bench FIXTURES=$root/tests/integration/fixtures
trap 'rm -rf "$WORK"' EXIT
fail() { echo "FAIL: $*" >&2; }
# shellcheck source=../tests/integration/container_lib.sh
source "$root/tests/integration/container_lib.sh"

mkdir -p "$WORK/repo/.github/workflows"
for kind in native container; do
  {
    echo "on: workflow_dispatch"
    echo "jobs:"
    echo "  $kind:"
    echo "    runs-on: x"
    [ "$kind" = container ] && echo "    container: $IMAGE"
    echo "    steps:"
    for _ in $(seq "$steps"); do echo "      - run: 'true'"; done
  } >"$WORK/repo/.github/workflows/$kind.yml"
done

median_step() {  # median_step JOB: median duration (ms) of the job's `run: true` steps
  sqlite3 "$WORK/data/sluice.db" "SELECT finished_ms - started_ms FROM steps WHERE job_key='$1'
    AND name NOT LIKE '%containers' ORDER BY 1" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}
step_ms() {  # step_ms JOB NAME
  sqlite3 "$WORK/data/sluice.db" "SELECT finished_ms - started_ms FROM steps WHERE job_key='$1' AND name='$2'"
}
for kind in native container; do
  start=$(date +%s%N)
  "$sluice" run "$WORK/repo" --data-dir "$WORK/data" -w ".github/workflows/$kind.yml" \
    --event workflow_dispatch >/dev/null
  echo "$kind: run ${steps} steps in $((($(date +%s%N) - start) / 1000000)) ms wall, median step $(median_step "$kind") ms"
done
echo "container: Initialize containers $(step_ms container 'Initialize containers') ms, Stop containers $(step_ms container 'Stop containers') ms"
