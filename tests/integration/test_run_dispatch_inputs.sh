#!/usr/bin/env bash
# workflow_dispatch inputs: --input values are typed (boolean, number, choice, string) in the
# inputs context, defaults apply, and bad values (not a boolean, not an option, not a number,
# unknown input, missing required input) are rejected with a clear error and exit 2.
source "$(dirname "$0")/lib.sh"
setup_repo dispatch

sluice_run --event workflow_dispatch --input tag=v1
check_rc 0 "defaults"
check_eq "$(job_log show)" "environment=staging dry-run=true replicas=2 tag=v1
event-input=v1
dry-run branch taken" "defaults"

sluice_run --event workflow_dispatch --input tag=v2 --input dry-run=false --input environment=production --input replicas=5
check_rc 0 "explicit values"
check_eq "$(job_log show)" "environment=production dry-run=false replicas=5 tag=v2
event-input=v2
real deploy branch taken
many replicas" "explicit values"

bad() {  # bad LABEL EXPECTED-TEXT ARGS...
  local label=$1 text=$2
  shift 2
  sluice_run --event workflow_dispatch "$@"
  check_rc 2 "$label"
  check_contains "$text" "$label"
}
bad "boolean" "dry-run" --input tag=v1 --input dry-run=maybe
bad "choice" "production" --input tag=v1 --input environment=qa
bad "number" "replicas" --input tag=v1 --input replicas=many
bad "unknown input" "colour" --input tag=v1 --input colour=red
bad "missing required input" "tag"
# No run was recorded for the rejected invocations.
check_eq "$(db "SELECT count(*) FROM runs")" 2 "runs recorded"

finish
