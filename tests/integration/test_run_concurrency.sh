#!/usr/bin/env bash
# Job concurrency groups: two jobs of one group never overlap (the second waits, both
# succeed) while a job of another group runs freely; with cancel-in-progress a job joining
# the group cancels the one in progress (and the run ends cancelled: exit 130); --jobs N
# bounds the jobs running at once; workflow-level concurrency between two `sluice run`
# processes (queue and cancel-in-progress).
source "$(dirname "$0")/lib.sh"
setup_repo concurrency

sluice_run --jobs 4 -w .github/workflows/queue.yml
check_rc 0 "queue"
check_eq "$(job_status deploy-a)" success "queue: deploy-a"
check_eq "$(job_status deploy-b)" success "queue: deploy-b (would fail on overlap)"
check_eq "$(sort "$REPO/queue.txt" | tr '\n' ' ')" "a b other " "queue: jobs that ran"

start=$SECONDS
sluice_run --jobs 4 --event workflow_dispatch -w .github/workflows/cancel-in-progress.yml
# A job cancelled by its group makes the run cancelled, as on GitHub (exit code of a cancel).
check_rc 130 "cancel-in-progress"
check_eq "$(db "SELECT status FROM runs WHERE id=$(last_run)")" cancelled "cancel-in-progress: run"
[ $((SECONDS - start)) -lt 12 ] || fail "cancel-in-progress: the older job was not cancelled (run took $((SECONDS - start)) s)"
check_eq "$(job_status older)" cancelled "cancel-in-progress: older job"
check_eq "$(job_status newer)" success "cancel-in-progress: newer job"
check_eq "$(job_log newer)" "newer-ran" "cancel-in-progress: newer job log"

# --jobs N: the most jobs that ran at once, from the start/end times the jobs recorded
# (fixtures' parallel.yml), is exactly N. No wall-time limit: under load everything is
# slower, but a job that records its end before another records its start did not overlap it.
# max_overlap: for each job's start, how many jobs had started and not yet ended.
max_overlap() {
  local best=0 j k n s
  for j in 1 2 3; do
    s=$(cat "$REPO/started-j$j")
    n=0
    for k in 1 2 3; do
      [ "$(cat "$REPO/started-j$k")" -le "$s" ] && [ "$s" -lt "$(cat "$REPO/ended-j$k")" ] && n=$((n + 1))
    done
    [ "$n" -gt "$best" ] && best=$n
  done
  echo "$best"
}
# jobs_run N NEED HOLD: a run with --jobs N; all three jobs must succeed.
jobs_run() {
  rm -f "$REPO"/started-* "$REPO"/ended-*
  sluice_run --event schedule -w .github/workflows/parallel.yml --jobs "$1" --var "need=$2" --var "hold=$3"
  check_rc 0 "--jobs $1"
  check_contains "3 actions: 3 succeeded, 0 failed" "--jobs $1"
}
# 1: one at a time, though each job waits 0.5 s for the others to appear.
jobs_run 1 1 10
check_eq "$(max_overlap)" 1 "--jobs 1: jobs at once"
# 3: all together (each job waits for the three to have started).
jobs_run 3 3 0
check_eq "$(max_overlap)" 3 "--jobs 3: jobs at once"
# 2: two together (each waits for a second one), never the third with them (the first two
# wait up to 1 s more for it).
jobs_run 2 2 20
check_eq "$(max_overlap)" 2 "--jobs 2: jobs at once"
rm -f "$REPO"/started-* "$REPO"/ended-*

# One pending job per group: the newest waiting job cancels the one that waited before it.
sluice_run --jobs 4 -w .github/workflows/pending.yml
check_rc 130 "pending"
check_eq "$(db "SELECT status FROM runs WHERE id=$(last_run)")" cancelled "pending: run"
check_eq "$(job_status first)" success "pending: first"
check_eq "$(job_status second)" cancelled "pending: second, superseded while it waited"
check_eq "$(job_status third)" success "pending: third"
check_eq "$(tr '\n' ' ' <"$REPO/pending.txt")" "first third " "pending: jobs that ran, in order"

# Workflow-level concurrency between two `sluice run` processes sharing the data directory.
# bg_run OUTFILE TEXT ARGS...: a run in the background; its exit code goes to OUTFILE.rc.
# Returns once its output shows TEXT (at most 10 s), and a little later.
bg_run() {
  local out=$1 text=$2
  shift 2
  rm -f "$out" "$out.rc"
  ( rc=0; timeout 60 "$SLUICE" run "$REPO" --data-dir "$DATA" "$@" >"$out" 2>&1 || rc=$?; echo "$rc" >"$out.rc" ) &
  for _ in $(seq 100); do grep -qF "$text" "$out" 2>/dev/null && break; sleep 0.1; done
  sleep 0.2
}
bg_run "$WORK/first" "[j] started" --event workflow_dispatch -w .github/workflows/run-queue.yml
sluice_run --event workflow_dispatch -w .github/workflows/run-queue.yml
wait
check_rc 0 "run-level queue: second run"
check_eq "$(cat "$WORK/first.rc")" 0 "run-level queue: first run"
check_contains "waiting for the run in progress" "run-level queue: second run"
check_eq "$(wc -l <"$REPO/run-queue.txt")" 2 "run-level queue: both runs finished"

# Three runs of one group: the second waits; the third takes its place (the second is
# cancelled and recorded as such) and runs after the first.
rm -f "$REPO/run-queue.txt"
bg_run "$WORK/first" "[j] started" --event workflow_dispatch -w .github/workflows/run-queue.yml --var t=3
bg_run "$WORK/second" "waiting for the run in progress" --event workflow_dispatch -w .github/workflows/run-queue.yml
sluice_run --event workflow_dispatch -w .github/workflows/run-queue.yml
wait
check_rc 0 "run-level pending: third run"
check_contains "cancelling the pending run" "run-level pending: third run"
check_eq "$(cat "$WORK/first.rc")" 0 "run-level pending: first run"
check_eq "$(cat "$WORK/second.rc")" 130 "run-level pending: second run cancelled"
grep -q "cancelled while waiting for concurrency group 'run-level-queue'" "$WORK/second" ||
  fail "run-level pending: second run's message: $(cat "$WORK/second")"
check_eq "$(wc -l <"$REPO/run-queue.txt")" 2 "run-level pending: two runs ran"
check_eq "$(db "SELECT count(*) FROM runs WHERE status='cancelled' AND workflow_name='run-queue'")" 1 \
  "run-level pending: the cancelled run is in the history"

# queue: max: all three runs wait their turn and run in arrival order.
rm -f "$REPO/fifo.txt"
bg_run "$WORK/first" "[j] started" --event workflow_dispatch -w .github/workflows/run-fifo.yml --var t=2 --var label=first
bg_run "$WORK/second" "queued behind" --event workflow_dispatch -w .github/workflows/run-fifo.yml --var label=second
sluice_run --event workflow_dispatch -w .github/workflows/run-fifo.yml --var label=third
wait
check_rc 0 "queue: max: third run"
check_eq "$(cat "$WORK/first.rc") $(cat "$WORK/second.rc")" "0 0" "queue: max: first and second runs"
check_eq "$(tr '\n' ' ' <"$REPO/fifo.txt")" "first second third " "queue: max: runs in arrival order"

bg_run "$WORK/first" "[j] started" --event workflow_dispatch -w .github/workflows/run-cancel.yml --var t=20
start=$SECONDS
sluice_run --event workflow_dispatch -w .github/workflows/run-cancel.yml --var t=0.1
wait
check_rc 0 "run-level cancel-in-progress: second run"
check_eq "$(cat "$WORK/first.rc")" 130 "run-level cancel-in-progress: first run cancelled"
[ $((SECONDS - start)) -lt 10 ] || fail "run-level cancel-in-progress: took $((SECONDS - start)) s"
check_eq "$(job_log j)" "finished 0.1" "run-level cancel-in-progress: second run log"

finish
