#!/usr/bin/env bash
# `sluice rerun RUN [--failed]`: the same workflow, event, inputs and vars run again, secrets
# given again (never stored); --failed runs only the failed job and its dependants and
# hands the earlier outputs of the reused jobs to them.
source "$(dirname "$0")/lib.sh"
setup_repo rerun
count() { [ -f "$REPO/$1-count" ] && wc -l <"$REPO/$1-count" | tr -d ' ' || echo 0; }
rerun() {
  RC=0
  OUT=$(cd "$WORK" && timeout -k 5 "$RUN_TIMEOUT" "$SLUICE" rerun "$@" --data-dir "$DATA" 2>&1) || RC=$?
}

touch "$REPO/fail-flaky"
sluice_run --event workflow_dispatch --input who=alice --var color=blue --secret TOKEN=s3cr3t-value
check_rc 1 "first run (flaky fails)"
check_eq "$(job_status after)" skipped "dependant of the failed job"
rm "$REPO/fail-flaky"

rerun 1 --failed --secret TOKEN=s3cr3t-value
check_rc 0 "rerun --failed"
check_contains "re-running run 1 (failed jobs)"
check_eq "$(last_run)" 2 "the re-run is a new run"
check_eq "$(db "SELECT event || ' ' || rerun_of || ' ' || status FROM runs WHERE id=2")" \
  "workflow_dispatch 1 success" "event, rerun_of and status of the re-run"
check_eq "$(count build) $(count other) $(count flaky) $(count after)" "1 1 2 1" \
  "runs per job (build, other, flaky, after)"
check_eq "$(job_status build)" success "reused job"
check_eq "$(db "SELECT reason FROM jobs WHERE run_id=2 AND key='build'")" "succeeded in run 1" \
  "reused job's reason"
check_eq "$(job_log after | grep version=)" "version=1.2.3 who=alice color=blue event=workflow_dispatch" \
  "outputs of the reused job, inputs, vars and event in the re-run"
check_eq "$(job_log flaky | grep token=)" "token=***" "secret given again, masked"
! grep -rqa s3cr3t-value "$DATA" || fail "the secret reached the data dir"

rerun 2
check_rc 0 "full rerun"
check_eq "$(count build) $(count other) $(count flaky) $(count after)" "2 2 3 2" \
  "a full re-run runs every job"
check_eq "$(job_log flaky | grep token=)" "token=" "secrets are not stored: none given, none seen"

rerun latest --failed
check_rc 2 "rerun --failed of a successful run"
check_contains "has no failed jobs"
rerun 99
check_rc 2 "rerun of an unknown run"

finish
