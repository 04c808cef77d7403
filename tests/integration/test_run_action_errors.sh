#!/usr/bin/env bash
# Actions sluice cannot run give clear errors: a missing owner/repo@ref action names the
# action and every directory searched; Docker actions (local action.yml with
# runs.using: docker, and docker:// images) without a container engine say where they are
# and what to install.
source "$(dirname "$0")/lib.sh"
setup_repo action-errors
mkdir -p "$WORK/actions"

sluice_run -w .github/workflows/missing.yml --actions-dir "$WORK/actions"
[ "$RC" -eq 1 ] || [ "$RC" -eq 2 ] || fail "missing action: exit $RC, expected 1 or 2"
check_contains "acme/not-there@v3" "missing action"
check_contains "$WORK/actions/acme/not-there/v3" "missing action: the directory searched"
check_eq "$(job_status use-missing)" failure "missing action: job"
check_eq "$(job_log use-missing | grep -c "action 'acme/not-there@v3' not found")" 1 "missing action: error lines in the step log"

sluice_run -w .github/workflows/docker-local.yml --event workflow_dispatch \
  --container-engine /nonexistent/docker
check_rc 1 "docker action without an engine"
check_contains "docker-local.yml:7:15: this Docker action needs a container engine" "local docker action"
check_contains "apt-get install podman runc" "local docker action: what to install"

sluice_run -w .github/workflows/docker-image.yml --event schedule --container-engine /nonexistent/docker
check_rc 1 "docker:// step without an engine"
check_contains "docker-image.yml:9:15: this Docker action needs a container engine" "docker:// step"

finish
