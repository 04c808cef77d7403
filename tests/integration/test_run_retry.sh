#!/usr/bin/env bash
# The sluice `retry` extension: a step failing with exit 3 twice then succeeding is retried
# (3 attempts, each kept with its own log); a failure whose exit code the policy does not
# name is not retried; log-pattern, timeout and signal retries; attempts run out; a job-level
# retry reruns the job.
source "$(dirname "$0")/lib.sh"
setup_repo retry

sluice_run --jobs 2
check_rc 1
check_contains "7 actions: 5 succeeded, 2 failed"
check_eq "$(cat "$REPO/flaky.count")" 3 "flaky: attempts made"
check_eq "$(step_status flaky 0)" success "flaky: step after 3 attempts"
check_eq "$(db "SELECT attempts FROM steps WHERE job_key='flaky' AND step_index=0")" 3 "flaky: attempts recorded"
check_eq "$(db "SELECT group_concat(status || ':' || exit_code, ' ') FROM (SELECT * FROM attempts WHERE job_key='flaky' AND step_index=0 ORDER BY attempt)")" \
  "failure:3 failure:3 success:0" "flaky: attempt history"
check_eq "$(step_log flaky 0 1)" "attempt 1" "flaky: log of attempt 1"
check_eq "$(step_log flaky 0 3)" "attempt 3" "flaky: log of attempt 3"
check_eq "$(step_log flaky 1)" "after flaky outcome=success" "flaky: outcome after retries"
check_eq "$(job_status flaky)" success "flaky: job"
check_contains "[flaky] ↻ attempt 1: exit code 3"
if has_command logs; then  # every attempt's log is kept and shown
  sluice_cmd logs 1 flaky/flaky
  check_rc 0 "sluice logs 1 flaky/flaky"
  check_eq "$(grep -v '^==>' <<<"$OUT" | tr '\n' ' ')" "attempt 1 attempt 2 attempt 3 " "sluice logs of the 3 attempts"
  check_contains "attempt 3 of 3 [success]" "sluice logs 1 flaky/flaky"
fi

check_eq "$(cat "$REPO/mismatch.count")" 1 "mismatch: exit 5 is not retried"
check_eq "$(job_status mismatch)" failure "mismatch: job"

check_eq "$(step_log pattern 0 2)" "pattern second attempt ok" "log-pattern: second attempt"
check_eq "$(job_status pattern)" success "log-pattern: job"

check_eq "$(wc -l <"$REPO/exhausted.count")" 2 "exhausted: attempts made"
check_eq "$(job_status exhausted)" failure "exhausted: job"

check_eq "$(wc -l <"$REPO/job-retry.count")" 2 "job retry: the whole job ran twice"
check_eq "$(job_status job-retry)" success "job retry: job"

# on: [timeout] and on: [signal] (SIGKILL, as the OOM killer would).
check_eq "$(db "SELECT group_concat(status || ':' || failure_class, ' ') FROM (SELECT * FROM attempts WHERE job_key='timeout-retry' ORDER BY attempt)")" \
  "timed_out:timeout success:" "timeout retry: attempts"
check_eq "$(job_status timeout-retry)" success "timeout retry: job"
check_eq "$(db "SELECT group_concat(status || ':' || signal || ':' || failure_class, ' ') FROM (SELECT * FROM attempts WHERE job_key='signal-retry' ORDER BY attempt)")" \
  "failure:9:signal success:0:" "signal retry: attempts"
check_eq "$(job_status signal-retry)" success "signal retry: job"

finish
