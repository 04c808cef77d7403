#!/usr/bin/env bash
# Docker actions: a local `runs.using: docker` action built from its Dockerfile (cached by
# content: the second run builds nothing), run with inputs as INPUT_*, args with
# ${{ inputs.x }} evaluated, runs.env, the workspace mounted, outputs via GITHUB_OUTPUT and
# post-entrypoint (a local action's pre-entrypoint is skipped with GitHub's warning); and a
# `uses: docker://IMAGE` step with `with: entrypoint/args`.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/container_lib.sh"
setup_repo containers
sed -i "s|@IMAGE@|$IMAGE|" "$REPO/.github/actions/greet/Dockerfile" \
  "$REPO/.github/workflows/docker-action.yml"
# A unique file makes this test's action image new, so the first run builds it.
echo "$TEST_NAME $$ $RANDOM" >"$REPO/.github/actions/greet/unique.txt"

sluice_run -w .github/workflows/docker-action.yml --event workflow_dispatch --var "IMAGE=$IMAGE" --var WHO=world
OUT+=$'\n'$(job_log act)
check_rc 0 "docker actions"
check_contains "sluice: building localhost/sluice-action:" "Dockerfile built"
check_contains "warning: \`pre\` execution is not supported for local action" "pre-entrypoint of a local action (as on GitHub)"
check_contains "entrypoint args: hello world" "args with inputs evaluated"
check_contains "INPUT_WHO=world FROM_ACTION_ENV=action-env" "INPUT_* and runs.env"
check_contains "workspace mounted" "GITHUB_WORKSPACE mounted"
check_contains "action said hello world" "output via GITHUB_OUTPUT"
check_contains "docker-step-ran with args" "docker:// step with entrypoint and args"
check_contains "post-entrypoint ran" "post-entrypoint"
check_before "action said hello world" "post-entrypoint ran"
tag=$(grep -o 'localhost/sluice-action:[0-9a-f]*' <<<"$OUT" | head -1)

sluice_run -w .github/workflows/docker-action.yml --event workflow_dispatch --var "IMAGE=$IMAGE" --var WHO=again
OUT+=$'\n'$(job_log act)
check_rc 0 "second run"
check_lacks "sluice: building" "second run: image reused"
check_contains "entrypoint args: hello again" "second run: new inputs"
check_no_leftovers "after the runs"
"$ENGINE" rmi -f "$tag" >/dev/null 2>&1 || true
finish
