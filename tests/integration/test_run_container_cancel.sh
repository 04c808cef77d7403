#!/usr/bin/env bash
# Containers never outlive their job: after Ctrl-C (the stop step runs under always()),
# after a second Ctrl-C (no step starts any more: the executor removes them when the job
# ends), and after SIGKILL of sluice (the next sluice command removes the dead run's containers
# and network, from crash recovery).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/container_lib.sh"
setup_repo containers
# wait_for CONDITION...: polls (up to 20 s) until the command succeeds.
wait_for() { for _ in $(seq 200); do "$@" && return 0; sleep 0.1; done; return 1; }
# The sleep step runs (so the job's containers are up); the store commits in groups.
sleeping() { [ "$(step_status slow 1 2>/dev/null)" = running ]; }
start_run() {
  "$SLUICE" run "$REPO" --data-dir "$DATA" --event workflow_dispatch -w .github/workflows/sleeps.yml \
    --var "IMAGE=$IMAGE" >"$WORK/out" 2>&1 &
  pid=$!
}

start_run
wait_for sleeping || fail "Ctrl-C: the step never started"
kill -INT "$pid"
RC=0
wait "$pid" || RC=$?
OUT=$(cat "$WORK/out")
check_rc 130 "Ctrl-C"
check_eq "$(db "SELECT status FROM steps WHERE run_id=$(last_run) AND name='Stop containers'")" success \
  "Ctrl-C: the stop step ran"
check_no_leftovers "after Ctrl-C"

start_run
wait_for sleeping || fail "second Ctrl-C: the step never started"
kill -INT "$pid"
sleep 0.05  # the second signal must come while the first is being handled
kill -INT "$pid" 2>/dev/null || true
RC=0
wait "$pid" || RC=$?
OUT=$(cat "$WORK/out")
check_rc 130 "second Ctrl-C"
check_no_leftovers "after a second Ctrl-C"

start_run
wait_for sleeping || fail "SIGKILL: the step never started"
kill -KILL "$pid"
wait "$pid" 2>/dev/null || true
[ -n "$(leftovers)" ] || fail "SIGKILL: expected the dead run's containers to be there still"
sluice_cmd runs
check_rc 0 "sluice runs after the crash"
check_contains "interrupted"
check_no_leftovers "after crash recovery"
finish
