#!/usr/bin/env bash
# Container jobs on a remote agent behave as they do locally (issue 10 §3), with one
# `sluice agent` on loopback beside `sluice serve` and the local test image: a job with
# `container:` and a service runs on the agent. Its steps run in the job container with the
# agent's copy of the checkout mounted at the agent's own path (and the container's env
# naming it); the service answers by name; the cache service answers inside the job
# container at the job's URL (the agent's runtime listener, opened in the container's
# network namespace too); a Docker action the controller fetched is built from the agent's
# copy of the action's directory and run there with its inputs and args, the cache service
# in its namespace too, and its output reaches a later job on the built-in agent. Nothing is
# left on the engine afterwards. test_serve_agents_containers_cleanup.sh: cancel, killed
# agent.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/serve_lib.sh"
source "$(dirname "$0")/container_lib.sh"
source "$(dirname "$0")/agent_containers_lib.sh"

mkdir -p "$WORK/app/.github/workflows"
cp "$FIXTURES/run/containers/.github/cache-round-trip.sh" "$WORK/app/.github/"
cat >"$WORK/app/.github/workflows/containers.yml" <<YAML
on: workflow_dispatch
jobs:
  far:
    runs-on: [self-hosted, remote]
    outputs:
      said: \${{ steps.greet.outputs.said }}
    container:
      image: $IMAGE
      env:
        DATA_DIR: \${{ github.workspace }}/data
$DB_SERVICE
    steps:
      - run: |
          test -x /bin/sluice-pong && echo "in the job container"
          echo "workspace=\$GITHUB_WORKSPACE pwd=\$(pwd)"
          echo "container env DATA_DIR=\$DATA_DIR"
          test -f .github/cache-round-trip.sh && echo "the checkout is mounted"
          echo "runner=\$RUNNER_NAME"
          exec 3<>/dev/tcp/db/8080
          read -r line <&3
          echo "db says \$line"
          bash .github/cache-round-trip.sh job
      - id: greet
        uses: acme/greet@v1
        with:
          who: agent
  near:
    needs: far
    runs-on: local
    steps:
      - run: echo "near heard \${{ needs.far.outputs.said }}"
YAML
# A Docker action in the action source that lib.sh points SLUICE_ACTION_SOURCES at: the
# controller fetches it, the agent builds it from its own copy.
ACTION=${SLUICE_ACTION_SOURCES#file://}/acme/greet
mkdir -p "$ACTION"
cat >"$ACTION/action.yml" <<'YAML'
name: greet
inputs:
  who: {required: true}
outputs:
  said: {description: what it said}
runs:
  using: docker
  image: Dockerfile
  entrypoint: /entrypoint.sh
  args: [hello, '${{ inputs.who }}']
YAML
printf 'FROM %s\nCOPY entrypoint.sh /\n' "$IMAGE" >"$ACTION/Dockerfile"
# A unique file: this test's action image is new, so the agent builds it.
echo "$TEST_NAME $$ $RANDOM" >"$ACTION/unique.txt"
cat >"$ACTION/entrypoint.sh" <<'SH'
#!/bin/bash
echo "entrypoint args: $* INPUT_WHO=$INPUT_WHO"
echo "said=$1 $2" >>"$GITHUB_OUTPUT"
bash .github/cache-round-trip.sh docker
SH
chmod +x "$ACTION/entrypoint.sh"
git -C "$ACTION" init -q -b main
git -C "$ACTION" -c user.email=t@e -c user.name=t add -A
git -C "$ACTION" -c user.email=t@e -c user.name=t commit -qm action
git -C "$ACTION" tag v1
commit_app
start_controller_and_agent

dispatch containers.yml
check_eq "$(wait_run "$RUN" 60)" success "the container job on the agent"
log_of far
TAG=$(grep -o 'localhost/sluice-action:[0-9a-f]*' <<<"$OUT" | head -1)
check_contains "in the job container" "steps run in the job container"
check_contains "workspace=$FAR/leases/" "GITHUB_WORKSPACE is the agent's copy"
grep -q "workspace=\([^ ]*\) pwd=\1$" <<<"$OUT" || fail "the working directory is the mapped workspace"
check_contains "container env DATA_DIR=$FAR/leases/" "the container's env names the agent's paths"
check_contains "the checkout is mounted" "the agent's checkout is mounted at its own path"
check_contains "runner=far" "RUNNER_NAME is the agent's"
check_contains "db says pong-from-db" "the service by name"
check_contains "cache round trip ok (job)" "the cache service from the job container on the agent"
check_contains "sluice: building localhost/sluice-action:" "the Docker action is built on the agent"
check_contains "from $FAR/leases/" "from the agent's copy of the action"
check_contains "entrypoint args: hello agent INPUT_WHO=agent" "the action's args and inputs"
check_contains "cache round trip ok (docker)" "the cache service from the Docker action"
check_contains "sluice: containers of the job removed" "the stop step ran"
check_lacks "cannot reach" "no runtime warning"
log_of near
check_contains "near heard hello agent" "the job's output reaches the built-in agent's job"
OUT=$(cat "$WORK/far.log") check_lacks "cannot reach the cache" "the agent warned of nothing"
check_eq "$(agent_leftovers)" "" "no container or network left on the agent"
[ -n "$TAG" ] && "$ENGINE" rmi -f "$TAG" >/dev/null 2>&1 || true
finish
