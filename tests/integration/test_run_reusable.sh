#!/usr/bin/env bash
# Reusable workflow in the same repository (uses: ./.github/workflows/called.yml): inputs
# from `with` (one from needs outputs, one defaulted, typed number/boolean), a secret passed
# through `secrets:`, the called workflow's outputs read by a later job via needs.call.outputs.
source "$(dirname "$0")/lib.sh"
setup_repo reusable
RUN_TIMEOUT=10

sluice_run --secret DEPLOY_TOKEN=abcdef123
check_eq "$(job_log 'call / check')" "check target=staging replicas=3 dry-run=false" "inputs of the called workflow"
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

finish
