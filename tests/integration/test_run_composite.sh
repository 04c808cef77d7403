#!/usr/bin/env bash
# Local composite actions: a required input and one with a default, outputs mapped from
# inner steps, an inner step reading another inner step's output, a composite action using
# another one, outputs flowing into job outputs; github.action_path and $GITHUB_ACTION_PATH;
# a failing inner step fails the action step and the job. Nesting with `uses:` inside: a
# composite using a composite that uses a third, and a local JavaScript action (node24)
# whose output flows out through both and whose post step runs at the end of the job.
source "$(dirname "$0")/lib.sh"
command -v node >/dev/null || { echo "SKIP: node is not installed (a nested JavaScript action)"; exit 77; }
setup_repo composite

sluice_run
check_rc 0
log=$(job_log use)
for line in "Hello, world!" "Good morning, sluice!" "Hi, nested!" \
  "default=Hello, world! len=13" "custom=Good morning, sluice!" "nested=Hi, nested!" \
  "stacked=Hi, stacked! / HI, STACKED!" "upper post state=HI, STACKED! input=Hi, stacked!"; do
  grep -qxF -- "$line" <<<"$log" || fail "use job log lacks '$line'"
done
check_eq "$(job_log downstream)" "downstream=Good morning, sluice!" "composite output as job output"
check_eq "$(job_status use)" success "job using the actions"
grep -qx "action path ok=yes" <<<"$log" || fail "\$GITHUB_ACTION_PATH in a composite step"
check_contains "2 actions: 2 succeeded, 0 failed"
check_contains "[use] ✓ Post Run ./.github/actions/upper" "post step of a JavaScript action nested in composites"

# A failing inner step fails the action step and the job.
sluice_run --event workflow_dispatch -w .github/workflows/failing.yml
check_rc 1 "failing composite"
log=$(job_log j)
grep -qxF "inner-one" <<<"$log" && grep -qxF "inner-on-failure" <<<"$log" || fail "failing composite: inner steps"$'\n'"$log"
! grep -qxE "inner-never|outer-never" <<<"$log" || fail "failing composite: a step ran after the failure"$'\n'"$log"
grep -qxF "outer on failure, outcome=failure" <<<"$log" || fail "failing composite: outcome"$'\n'"$log"
check_eq "$(step_status j 0)" failure "failing composite: action step"
check_eq "$(job_status j)" failure "failing composite: job"

# Expressions that cannot be evaluated fail the step, with their place in the file.
sluice_run --event workflow_dispatch -w .github/workflows/bad-expressions.yml
check_rc 1 "bad expressions"
check_eq "$(step_status j 0)" failure "composite output that does not evaluate"
check_contains "bad-output/action.yml:6:16: fromJSON(): " "composite output: position"
check_eq "$(step_status j 1)" failure "composite step env that does not evaluate"
check_contains "bad-expressions.yml:15:23: fromJSON(): " "composite step env: position"
! job_log j | grep -qx "Hello, never!" || fail "the greet action ran despite its broken env"

finish
