#!/usr/bin/env bash
# `container:` and `services:` with a real container engine (Podman here):
#   - steps run inside the job container with the step's env (not the host's), the
#     workspace at its host path, GITHUB_OUTPUT / GITHUB_ENV / GITHUB_PATH working;
#   - a service is started first, its health check awaited, and reached by its key as host
#     name; its env reaches it; its logs are shown by the stop step;
#   - after success and after a failing step nothing of the job is left (containers,
#     network), also for matrix jobs whose names have commas;
#   - a step that times out has its processes killed inside the container too;
#   - with no engine, the job fails at `container:` with file:line:col and what to install.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/container_lib.sh"
setup_repo containers
export SLUICE_TEST_HOST_ONLY=leaked  # a host variable: must not reach the container

sluice_run -w .github/workflows/container-job.yml --event workflow_dispatch --var "IMAGE=$IMAGE"
OUT+=$'\n'$(job_log inside)
check_rc 0 "container job"
check_contains "in-container=yes" "the step ran in a container"
check_contains "FROM_CONTAINER=set-by-container-env JOB_VAR=job-level" "container env and job env"
check_contains "host-home-leaks=no" "host environment kept out"
check_contains "cwd=$REPO" "working directory = workspace at its host path"
check_contains "db says pong-from-db" "service reached by name, with its env"
check_contains "sluice: service 'db' is healthy" "health check awaited"
check_before "sluice: service 'db' is healthy" "in-container=yes"
check_contains "output=hello-from-container env=from-github-env" "GITHUB_OUTPUT and GITHUB_ENV"
check_contains "tool-on-github-path" "GITHUB_PATH before the image's PATH"
check_contains "container-id-known=true" "job.container.id"
check_contains "sh-shell-ok" "shell: sh"
check_contains "Service container db logs" "service logs group in the stop step"
check_eq "$(cat "$REPO/inside.txt" 2>/dev/null)" made-inside "file written inside, seen on the host"
check_eq "$(step_status inside 0)" success "Initialize containers step"
check_eq "$(db "SELECT name FROM steps WHERE run_id=$(last_run) AND job_key='inside' ORDER BY step_index DESC LIMIT 1")" \
  "Stop containers" "last step"
check_no_leftovers "after success"

sluice_run -w .github/workflows/fails.yml --event workflow_dispatch --var "IMAGE=$IMAGE"
OUT+=$'\n'$(job_log broken)
check_rc 1 "failing container job"
check_contains "about to fail" "failing step ran"
check_lacks "second-2" "step after the failure"
check_eq "$(step_status broken 2)" skipped "step after the failure"
check_eq "$(job_status broken)" failure "failing job"
check_no_leftovers "after a failure"

# A matrix job's name has commas ("m (linux, 1)"), which a label filter would split.
sluice_run -w .github/workflows/matrix.yml --event workflow_dispatch --var "IMAGE=$IMAGE"
check_rc 1 "failing matrix container jobs"
check_contains "matrix linux-2" "second matrix instance ran"
check_no_leftovers "after matrix jobs whose names have commas"

sluice_run -w .github/workflows/timeout.yml --event workflow_dispatch --var "IMAGE=$IMAGE"
OUT+=$'\n'$(job_log t)
check_rc 0 "timed-out step (continue-on-error)"
check_eq "$(step_status t 1)" success "timed-out step's conclusion"
check_contains "checked-processes" "the next step ran"
check_lacks "still-running" "the timed-out step's process inside the container"
check_no_leftovers "after a timeout"

sluice_run -w .github/workflows/fails.yml --event workflow_dispatch --var "IMAGE=$IMAGE" \
  --container-engine /nonexistent/podman
check_rc 1 "no engine"
check_contains "fails.yml:6:16: the job's containers need a container engine" "no engine: position"
check_contains "apt-get install podman runc" "no engine: what to install"
check_contains "/nonexistent/podman" "no engine: the engine named"
finish
