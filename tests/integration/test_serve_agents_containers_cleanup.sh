#!/usr/bin/env bash
# What a container job leaves on a remote agent goes whatever ends it (issue 10 §3), with one
# `sluice agent` beside `sluice serve` and the local test image:
#  1. a cancelled run's containers are removed; their names hash the job scope with the
#     lease (the sluice.scope label reads RUN/JOB@l-N), apart from the controller's own;
#  2. an agent killed outright (SIGKILL) leaves its containers (its orphan reaper kills its
#     processes, not containers); the next agent started on its work dir removes them.
# test_serve_agents_containers.sh runs a container job with a service and a Docker action.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/serve_lib.sh"
source "$(dirname "$0")/container_lib.sh"
source "$(dirname "$0")/agent_containers_lib.sh"

mkdir -p "$WORK/app/.github/workflows"
write_sleeping_workflow
commit_app
start_controller_and_agent

# 1. Cancelled.
dispatch sleeps.yml
wait_for run_containers "$RUN" || fail "the first sleeping job's container did not start"
SCOPE=$("$ENGINE" inspect --format '{{index .Config.Labels "sluice.scope"}}' "$(run_containers "$RUN")")
[[ $SCOPE == "$RUN/far@l-"* ]] || fail "the container's scope names the lease: '$SCOPE'"
api POST "/api/v1/runs/$RUN/cancel"
check_eq "$(wait_run "$RUN" 30)" cancelled "the cancelled run"
wait_for gone agent_leftovers || fail "the cancelled job's containers are left: $(agent_leftovers)"

# 2. Killed.
dispatch sleeps.yml
wait_for run_containers "$RUN" || fail "the second sleeping job's container did not start"
kill -KILL "$AGENT_PID"
wait "$AGENT_PID" 2>/dev/null || true
[ -n "$(run_containers "$RUN")" ] || fail "the killed agent's containers went before a new agent came"
start_agent
wait_for gone agent_leftovers || fail "the killed agent's containers are left: $(agent_leftovers)"
OUT=$(cat "$WORK/far.log") check_lacks "error" "the agents' log"
finish
