#!/usr/bin/env bash
# timeout-minutes on a step (0.02 = 1.2 s) and on a job (0.03 = 1.8 s): the step/job is marked
# timed out, the whole process group is killed (no sleep left behind), always() still runs,
# and the run finishes in a few seconds instead of the 30 s of the sleeps.
source "$(dirname "$0")/lib.sh"
setup_repo timeout
marker="30.$$$RANDOM"   # a unique sleep length: lets pgrep find leftovers of this test only

start=$SECONDS
sluice_run --jobs 2 --var "sleep=$marker"
elapsed=$((SECONDS - start))
check_rc 1
[ "$elapsed" -lt 15 ] || fail "run took ${elapsed}s: the timeouts did not stop the sleeps"
sleep 0.5
if pgrep -f "^sleep $marker" >/dev/null; then
  fail "sleep processes survived the timeout: $(pgrep -af "^sleep $marker" | tr '\n' ' ')"
  pkill -KILL -f "^sleep $marker" || true
fi

check_eq "$(step_status step-timeout 0)" timed_out "step with timeout-minutes"
check_eq "$(step_status step-timeout 1)" skipped "step after the timed-out step"
check_eq "$(step_status step-timeout 2)" success "always() step after the timed-out step"
check_eq "$(job_status step-timeout)" failure "job of the timed-out step"
check_eq "$(job_status after-step-timeout)" skipped "job needing it"
check_contains "[step-timeout] ⏱ slow step"
check_eq "$(job_status job-timeout)" timed_out "job with timeout-minutes"
check_eq "$(step_status job-timeout 0)" success "step before the job timeout"
[ "$(step_status job-timeout 2)" != success ] || fail "a step ran after the job timed out"
! job_log job-timeout | grep -q never-after-job-timeout || fail "step after the job timeout ran"
check_contains "1 failed, 1 timed out, 0 cancelled, 1 skipped"

finish
