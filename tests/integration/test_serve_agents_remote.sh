#!/usr/bin/env bash
# What a job on a remote agent needs from the controller comes through the agent (issue 10
# §3), with one `sluice agent` on loopback beside `sluice serve`:
#  1. a value a step registers with ::add-mask:: on the agent is masked by the controller
#     too: a later job on the built-in agent prints it, and neither its stored log nor the
#     API shows it;
#  2. an agent that stops is listed as offline by GET /api/v1/agents.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/serve_lib.sh"

AGENT_PID=""
kill_agent() {
  [ -n "$AGENT_PID" ] && { kill -KILL "$AGENT_PID" 2>/dev/null || true; wait "$AGENT_PID" 2>/dev/null || true; }
  AGENT_PID=""
}
trap 'kill_agent; kill_serve; rm -rf "$WORK"' EXIT

SHARED=$WORK/shared
mkdir -p "$SHARED" "$WORK/app/.github/workflows"
cat >"$WORK/app/.github/workflows/mask.yml" <<YAML
on: workflow_dispatch
jobs:
  make:
    runs-on: [self-hosted, remote]
    steps:
      - run: |
          V="masked-\$RANDOM\$RANDOM-value"
          echo "::add-mask::\$V"
          echo "\$V" >"$SHARED/value"
          echo "made \$V"
  show:
    needs: make
    runs-on: local
    steps:
      - run: echo "value is \$(cat "$SHARED/value")"
YAML
git -C "$WORK/app" init -q -b main
git -C "$WORK/app" -c user.email=t@e -c user.name=t add -A
git -C "$WORK/app" -c user.email=t@e -c user.name=t commit -qm init

SLUICE_AGENT_LEASE_TTL_MS=2000 start_serve --project "app=$WORK/app"
AGENT_TOKEN=$("$SLUICE" token create --role agent --data-dir "$DATA")
"$SLUICE" agent --server "$URL" --token "$AGENT_TOKEN" --labels remote --name far \
  --work-dir "$WORK/far" >"$WORK/far.log" 2>&1 &
AGENT_PID=$!
agent_status() {  # NAME: its status in GET /api/v1/agents ("" when not listed)
  api GET /api/v1/agents
  python3 -c 'import json,sys
print(next((a["status"] for a in json.load(sys.stdin)["agents"] if a["name"] == sys.argv[1]), ""))' "$1" <<<"$BODY"
}
for _ in $(seq 1 100); do [ "$(agent_status far)" = idle ] && break; sleep 0.1; done
check_eq "$(agent_status far)" idle "the agent registered"

# 1. ::add-mask:: on the agent reaches the controller.
api POST /api/v1/projects/app/workflows/mask.yml/dispatch
RUN=$(field run_ids.0)
check_eq "$(wait_run "$RUN" 60)" success "the mask run"
VALUE=$(cat "$SHARED/value")
api GET "/api/v1/runs/$RUN/logs/show"
OUT=$BODY check_contains "value is ***" "the built-in agent's job log masks the agent's value"
api GET "/api/v1/runs/$RUN/logs/make"
OUT=$BODY check_contains "made ***" "the agent's job log"
for path in "/api/v1/runs/$RUN" "/api/v1/runs/$RUN/logs/show" "/api/v1/runs/$RUN/logs/make"; do
  api GET "$path"
  grep -qF "$VALUE" <<<"$BODY" && fail "$path shows the masked value"
done
grep -rqaF "$VALUE" "$DATA" && fail "the controller's data directory holds the masked value"

# 2. An agent that stops is listed as offline (SIGKILL: silent for the 2 s lease time).
kill_agent
for _ in $(seq 1 100); do [ "$(agent_status far)" = offline ] && break; sleep 0.1; done
check_eq "$(agent_status far)" offline "a dead agent's status"
api GET /metrics
OUT=$BODY check_contains "sluice_agents_connected 0" "an offline agent is not counted as connected"
finish
