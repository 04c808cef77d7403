#!/usr/bin/env bash
# Reusable workflow in the same repository (uses: ./.github/workflows/called.yml): inputs
# from `with` (one from needs outputs, one defaulted, typed number/boolean: `replicas: 3`
# arrives as the number 3, not "3"; a default holding ${{ }} is evaluated), a secret passed
# through `secrets:`, the called workflow's outputs read by a later job via needs.call.outputs;
# failure of a called job propagates to the caller job and its dependants.
source "$(dirname "$0")/lib.sh"
setup_repo reusable
RUN_TIMEOUT=10

sluice_run --secret DEPLOY_TOKEN=abcdef123
check_eq "$(job_log 'call / check')" "check target=staging replicas=3 dry-run=false
typed replicas=3 dry-run=false label=push-staging" "inputs of the called workflow"
check_eq "$(job_log 'call / deploy')" "deploy token-length=9 event=push" "secret passed to the called workflow"
check_eq "$(job_status 'call / deploy')" success "called job deploy"
check_eq "$(job_status call)" success "caller job"
check_eq "$(db "SELECT outputs_json FROM jobs WHERE key='call'")" \
  '{"url":"https://staging.example.test","checked":"yes"}' "caller job outputs"
# The job needing the caller job reads its outputs.
check_rc 0
check_eq "$(job_status report)" success "job needing the caller job"
check_eq "$(job_log report)" "report url=https://staging.example.test checked=yes result=success" "needs.call.outputs"
check_lacks "abcdef123" "secret in the run output"

# A called workflow that fails: the caller job fails, its plain dependant is skipped, an
# always() dependant runs and sees needs.call.result == failure.
sluice_run --event workflow_dispatch -w .github/workflows/failing-caller.yml
check_rc 1 "failing called workflow"
check_eq "$(job_status 'call / work')" failure "failing called job"
check_eq "$(job_status call)" failure "caller of the failing workflow"
check_eq "$(job_status next)" skipped "dependant of the failed caller"
check_eq "$(job_log cleanup | sed 's/ partial=.*//')" "cleanup result=failure" "always() dependant of the failed caller"

finish
