#!/usr/bin/env bash
# Status propagation as GitHub does it: after a failing step only failure()/always() steps
# run; jobs needing a failed job are skipped (and their dependants too) unless their `if`
# is failure() or always(); continue-on-error on a step (outcome failure, conclusion
# success) and on a job (the run does not fail because of it). The console shows why steps
# were skipped: the failing step's error, not only the skip lines.
source "$(dirname "$0")/lib.sh"
setup_repo failure

sluice_run --jobs 2
check_rc 1
log=$(job_log build)
grep -qx "tolerated outcome=failure conclusion=success" <<<"$log" || fail "step continue-on-error: outcome/conclusion"$'\n'"$log"
grep -qx "on-failure-step" <<<"$log" || fail "if: failure() step did not run"
grep -qx "always-step" <<<"$log" || fail "if: always() step did not run"
! grep -q "never-runs\|success-step-runs" <<<"$log" || fail "a step ran after the failure"$'\n'"$log"
check_eq "$(step_status build 2)" failure "failing step"
check_eq "$(step_status build 3)" skipped "step after the failure"
check_eq "$(step_status build 5)" skipped "if: success() step after the failure"
check_eq "$(job_status build)" failure "job build"
check_eq "$(job_status deploy)" skipped "job needing the failed job"
check_eq "$(job_status after-deploy)" skipped "job needing a skipped job"
check_eq "$(job_status notify)" success "if: failure() job"
check_eq "$(job_status cleanup)" success "if: always() job"
check_eq "$(job_log notify)" "notify build=failure" "needs.build.result in the failure() job"
check_eq "$(job_log cleanup)" "cleanup build=failure deploy=skipped" "needs results in the always() job"
check_eq "$(job_log after-flaky)" "after-flaky flaky=success" "job continue-on-error: dependant runs"
check_contains "7 actions: 3 succeeded, 2 failed, 0 timed out, 0 cancelled, 2 skipped"

# Only a continue-on-error job fails: the run succeeds.
sluice_run --event workflow_dispatch -w .github/workflows/tolerated.yml
check_rc 0 "tolerated job failure"
check_contains "run 2 success" "tolerated job failure"
check_eq "$(job_status after-flaky)" success "tolerated: dependant"

# Job-level status functions and the implicit success() (which looks at every ancestor).
sluice_run --event workflow_dispatch -w .github/workflows/chain.yml
check_rc 1 "chain"
check_eq "$(job_status b)" success "chain: if: !cancelled() after a failed need"
check_eq "$(job_status c)" success "chain: if: success() || failure() after a failed need"
check_eq "$(job_status d)" skipped "chain: if without a status function after a failed need"
check_eq "$(job_status e)" skipped "chain: success() of a job whose ancestor failed"

# Regression (issue 9 §4): skipped steps said "if: condition was false" and the failing
# step's error could be missing from the console.
sluice_run --event workflow_dispatch -w .github/workflows/console.yml
check_rc 1 "console"
check_contains "[composite] ✗ Run ./.github/actions/noisy" "console"
check_contains "step 'fail loudly' failed: exit code 4" "composite reason"
check_contains "    | the real error: config.toml is missing" "composite log tail"
check_contains "not run: an earlier step failed" "skipped step"
check_lacks "if: condition was false" "console"
check_contains "[setup] started, but its steps will not run: " "job error"
check_before "[setup] started, but its steps will not run: " "[setup] − Run echo never-runs-either"
check_contains "not run: the job failed" "skipped step of a failed job"

finish
