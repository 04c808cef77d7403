#!/usr/bin/env bash
# What a job on a remote agent needs from the controller comes through the agent (issue 10
# §3), with one `sluice agent` on loopback beside `sluice serve`:
#  1. a value a step registers with ::add-mask:: on the agent is masked by the controller
#     too: a later job on the built-in agent prints it, and neither its stored log nor the
#     API shows it;
#  2. the runtime services and the event payload come through the agent: the agent's jobs
#     see them on the agent's own loopback address (--runtime-address 127.0.0.2, while the
#     controller's runtime services listen on 127.0.0.1 only) and the event payload in the
#     agent's work dir; the real @actions/cache and @actions/artifact clients save and
#     upload on the agent, and a job on the built-in agent restores and downloads what they
#     stored; an OIDC token is issued to the agent's job through it;
#     With SLUICE_RELAY_MEMORY_BYTES=64K on both sides, every blob takes the relay's spool
#     files (docs/agent-protocol.md, "Body sizes and memory"); and a cache entry of BULK_MB
#     MiB (default 32) saved and restored on the agent grows the agent's and the
#     controller's peak memory (VmHWM) by much less than its size and leaves no spool file;
#  3. a JavaScript action the controller fetched (from a file:// action source) runs on the
#     agent from the agent's own copy of the action's directory;
#  4. an agent that stops is listed as offline by GET /api/v1/agents.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/serve_lib.sh"
CLIENTS=$SOURCE_DIR/tests/runtime/clients
command -v node >/dev/null || { echo "SKIP: node is not installed"; exit 77; }
[ -d "$CLIENTS/node_modules/@actions/cache" ] ||
  { echo "SKIP: run 'npm ci' in tests/runtime/clients (scripts/test.sh does)"; exit 77; }


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
cat >"$WORK/app/.github/workflows/runtime.yml" <<YAML
on:
  workflow_dispatch:
    inputs:
      word: {type: string, default: none}
jobs:
  far:
    runs-on: [self-hosted, remote]
    permissions:
      id-token: write
    steps:
      - run: |
          echo "results=\$ACTIONS_RESULTS_URL cache=\$ACTIONS_CACHE_URL"
          echo "oidc=\$ACTIONS_ID_TOKEN_REQUEST_URL"
          echo "event=\$GITHUB_EVENT_PATH"
          tr -d ' \\n' <"\$GITHUB_EVENT_PATH" | grep -o '"word":"[^"]*"'
      - run: |
          mkdir -p data && head -c 300000 /dev/urandom >data/blob && echo hi >data/a.txt
          sha256sum data/* >"$SHARED/sums"
          node $CLIENTS/cache.mjs save far-\${{ github.run_id }} data
          node $CLIENTS/artifact.mjs upload far-art data blob a.txt
          rm -rf data && node $CLIENTS/cache.mjs restore far-\${{ github.run_id }} data && sha256sum -c "$SHARED/sums"
      - run: |
          node -e '
            fetch(process.env.ACTIONS_ID_TOKEN_REQUEST_URL + "&audience=sts.example",
                  {headers: {Authorization: "Bearer " + process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN}})
              .then(r => r.json()).then(j => {
                const c = JSON.parse(Buffer.from(j.value.split(".")[1], "base64url"));
                console.log("oidc aud=" + c.aud + " sub=" + c.sub);
              })'
  near:
    needs: far
    runs-on: local
    steps:
      - run: |
          node $CLIENTS/artifact.mjs download far-art data && sha256sum -c "$SHARED/sums" | sed 's/^/artifact /'
          rm -rf data && node $CLIENTS/cache.mjs restore far-\${{ github.run_id }} data && sha256sum -c "$SHARED/sums"
YAML
BULK_MB=${BULK_MB:-32}
cat >"$WORK/app/.github/workflows/bulk.yml" <<YAML
on: workflow_dispatch
jobs:
  far:
    runs-on: [self-hosted, remote]
    steps:
      - run: |
          mkdir -p big && head -c ${BULK_MB}M /dev/urandom >big/blob && sha256sum big/blob >"$SHARED/bulk.sum"
          node $CLIENTS/cache.mjs save bulk-\${{ github.run_id }} big
          rm -rf big && node $CLIENTS/cache.mjs restore bulk-\${{ github.run_id }} big && sha256sum -c "$SHARED/bulk.sum"
          rm -rf big
YAML
# A remote action in the action source that lib.sh points SLUICE_ACTION_SOURCES at.
ACTION=${SLUICE_ACTION_SOURCES#file://}/acme/hello
mkdir -p "$ACTION"
cat >"$ACTION/action.yml" <<'YAML'
name: hello
inputs:
  who: {required: true}
runs:
  using: node20
  main: index.js
YAML
echo 'console.log("action dir " + __dirname); console.log("hello " + process.env.INPUT_WHO);' >"$ACTION/index.js"
git -C "$ACTION" init -q -b main
git -C "$ACTION" -c user.email=t@e -c user.name=t add -A
git -C "$ACTION" -c user.email=t@e -c user.name=t commit -qm action
git -C "$ACTION" tag v1
cat >"$WORK/app/.github/workflows/action.yml" <<'YAML'
on: workflow_dispatch
jobs:
  far:
    runs-on: [self-hosted, remote]
    steps:
      - uses: acme/hello@v1
        with:
          who: agent
YAML
git -C "$WORK/app" init -q -b main
git -C "$WORK/app" -c user.email=t@e -c user.name=t add -A
git -C "$WORK/app" -c user.email=t@e -c user.name=t commit -qm init

export SLUICE_RELAY_MEMORY_BYTES=64K
SLUICE_AGENT_LEASE_TTL_MS=2000 start_serve --project "app=$WORK/app"
AGENT_TOKEN=$("$SLUICE" token create --role agent --data-dir "$DATA")
"$SLUICE" agent --server "$URL" --token "$AGENT_TOKEN" --labels remote --name far \
  --runtime-address 127.0.0.2 --work-dir "$WORK/far" >"$WORK/far.log" 2>&1 &
AGENT_PID=$!
agent_status() {  # NAME: its status in GET /api/v1/agents ("" when not listed)
  api GET /api/v1/agents
  python3 -c 'import json,sys
print(next((a["status"] for a in json.load(sys.stdin)["agents"] if a["name"] == sys.argv[1]), ""))' "$1" <<<"$BODY"
}
for _ in $(seq 1 100); do [ "$(agent_status far)" = idle ] && break; sleep 0.1; done
check_eq "$(agent_status far)" idle "the agent registered"

# run_ok WORKFLOW [BODY]: dispatches it, waits for success (sets RUN).
run_ok() {
  api POST "/api/v1/projects/app/workflows/$1/dispatch" ${2:+"$2"}
  RUN=$(field run_ids.0)
  check_eq "$(wait_run "$RUN" 90)" success "the run of $1"
}
# log_of JOB: its log in the last run, in OUT.
log_of() { api GET "/api/v1/runs/$RUN/logs/$1"; OUT=$BODY; }

# 1. ::add-mask:: on the agent reaches the controller.
run_ok mask.yml
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

# 2. Runtime services and event payload through the agent.
run_ok runtime.yml '{"inputs":{"word":"sent-with-the-job"}}'
log_of far
check_contains "results=http://127.0.0.2:" "the agent's job reaches the results service on the agent's address"
check_contains "cache=http://127.0.0.2:" "the agent's job reaches the cache service on the agent's address"
check_contains "oidc=http://127.0.0.2:" "the agent's job requests ID tokens on the agent's address"
# The agent's: beside its step files, on tmpfs (/dev/shm/sluice-AGENTPID-...), or in its work dir.
EVENT_FILE=$(sed -n 's/^.*event=\([^ ]*\).*$/\1/p' <<<"$OUT" | head -1)
case "$EVENT_FILE" in
  /dev/shm/sluice-"$AGENT_PID"-*/event.json | "$WORK"/far/leases/*/event.json) ;;
  *) fail "the event payload is not a file of the agent's: '$EVENT_FILE'" ;;
esac
check_contains '"word":"sent-with-the-job"' "the event payload came with the job"
check_contains "saved " "@actions/cache saved on the agent"
check_contains "uploaded " "@actions/artifact uploaded on the agent"
check_contains "data/blob: OK" "@actions/cache restored on the agent"
check_contains "oidc aud=sts.example sub=repo:" "an ID token for the agent's job"
check_contains ":ref:refs/heads/main" "the ID token's subject"
check_lacks "127.0.0.1" "the agent's job names nothing on the controller's loopback"
log_of near
check_contains "data/blob: OK" "the built-in agent's job restored the agent's cache entry"
check_contains "artifact data/blob: OK" "the built-in agent's job downloaded the agent's artifact"

# 2b. A cache entry larger than the agent should hold in memory, both ways, spooled: the
# peak RSS of the agent and the controller grows by much less than the body (it grew by
# twice the body or more when bodies were relayed in memory).
peak_mb() { awk '/VmHWM/ { print int($2 / 1024) }' "/proc/$1/status"; }
AGENT_BEFORE=$(peak_mb "$AGENT_PID") SERVE_BEFORE=$(peak_mb "$SERVE_PID")
run_ok bulk.yml
log_of far
check_contains "big/blob: OK" "the agent's job restored its $BULK_MB MiB cache entry"
AGENT_AFTER=$(peak_mb "$AGENT_PID") SERVE_AFTER=$(peak_mb "$SERVE_PID")
echo "peak RSS: agent $AGENT_BEFORE -> $AGENT_AFTER MiB, controller $SERVE_BEFORE -> $SERVE_AFTER MiB (body $BULK_MB MiB)"
[ $((AGENT_AFTER - AGENT_BEFORE)) -lt $((BULK_MB / 2)) ] ||
  fail "the agent's peak RSS grew with the body: $AGENT_BEFORE -> $AGENT_AFTER MiB"
[ $((SERVE_AFTER - SERVE_BEFORE)) -lt $((BULK_MB / 2)) ] ||
  fail "the controller's peak RSS grew with the body: $SERVE_BEFORE -> $SERVE_AFTER MiB"
check_eq "$(find "$WORK/far/relay" "$DATA/tmp" -name 'relay-*' | wc -l)" 0 "spool files left behind"

# 3. A remote action runs from the agent's copy.
run_ok action.yml
log_of far
check_contains "hello agent" "the action ran on the agent"
check_contains "action dir $WORK/far/leases/" "from the agent's copy of the action"

# 4. An agent that stops is listed as offline (SIGKILL: silent for the 2 s lease time).
kill_agent
for _ in $(seq 1 100); do [ "$(agent_status far)" = offline ] && break; sleep 0.1; done
check_eq "$(agent_status far)" offline "a dead agent's status"
api GET /metrics
OUT=$BODY check_contains "sluice_agents_connected 0" "an offline agent is not counted as connected"
finish
