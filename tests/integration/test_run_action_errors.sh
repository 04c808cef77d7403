#!/usr/bin/env bash
# Actions sluice cannot run give clear errors: a missing owner/repo@ref action stops the run
# before it starts, naming the action, its place in the workflow, every source tried and
# the override directory searched; Docker actions (local action.yml with
# runs.using: docker, and docker:// images) without a container engine say where they are
# and what to install.
source "$(dirname "$0")/lib.sh"
setup_repo action-errors
mkdir -p "$WORK/actions"

sluice_run -w .github/workflows/missing.yml --actions-dir "$WORK/actions"
check_rc 2 "missing action"
check_contains "missing.yml:7:15: error: cannot fetch action 'acme/not-there@v3': file://$WORK/no-action-source/acme/not-there: fatal:" "missing action"
check_contains "no override copy in $WORK/actions/acme/not-there/v3" "missing action: the directory searched"
check_eq "$(job_status use-missing)" "" "missing action: no job started"

sluice_run -w .github/workflows/docker-local.yml --event workflow_dispatch \
  --container-engine /nonexistent/docker
check_rc 1 "docker action without an engine"
check_contains "docker-local.yml:7:15: this Docker action needs a container engine" "local docker action"
check_contains "apt-get install podman runc" "local docker action: what to install"

sluice_run -w .github/workflows/docker-image.yml --event schedule --container-engine /nonexistent/docker
check_rc 1 "docker:// step without an engine"
check_contains "docker-image.yml:9:15: this Docker action needs a container engine" "docker:// step"

finish
