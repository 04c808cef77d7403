#!/usr/bin/env bash
# `sluice serve` with two `sluice agent` processes on loopback; the jobs ask for the label
# only the agents have (runs-on: [self-hosted, remote]), so every job runs on an agent.
#  1. $AGENT_RUNS runs of a 3-job workflow dispatched through the API all succeed, each
#     with the output passed from job to job and every job's log lines (default 20 runs,
#     the issue's 100 with SLUICE_FULL_TESTS=1: ~3 runs/s on 2 busy cores);
#     GET /api/v1/agents lists both agents with their labels, /metrics counts them;
#  2. a job nobody can take waits with "no agent with labels: gpu";
#  3. SIGKILL the agent running a job: the lease expires (2 s here, the controller honours
#     SLUICE_AGENT_LEASE_TTL_MS), the job is requeued (retry: 2) and completes on the
#     other agent;
#  4. the same with retries off: the job fails with "agent lost".
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/serve_lib.sh"

if [ -n "${SLUICE_FULL_TESTS:-}" ]; then RUNS=${AGENT_RUNS:-100}; else RUNS=${AGENT_RUNS:-20}; fi
body_has() { OUT=$BODY check_contains "$@"; }
AGENT_PIDS=()
kill_agents() {
  for p in "${AGENT_PIDS[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  for p in "${AGENT_PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  AGENT_PIDS=()
}
trap 'kill_agents; kill_steps; kill_serve; rm -rf "$WORK"' EXIT

mkdir -p "$WORK/app/.github/workflows"
cat >"$WORK/app/.github/workflows/three.yml" <<'YAML'
on: workflow_dispatch
jobs:
  build:
    runs-on: [self-hosted, remote]
    outputs:
      v: ${{ steps.b.outputs.v }}
    steps:
      - id: b
        run: |
          test -f marker.txt
          echo "build of run ${{ github.run_id }} on $RUNNER_NAME"
          echo "v=built-$(cat marker.txt)-${{ github.run_id }}" >> "$GITHUB_OUTPUT"
  test:
    needs: build
    runs-on: [self-hosted, remote]
    steps:
      - run: echo "test saw ${{ needs.build.outputs.v }}"
  deploy:
    needs: [build, test]
    runs-on: [self-hosted, remote]
    steps:
      - run: echo "deploy ${{ needs.build.outputs.v }}"
YAML
cat >"$WORK/app/.github/workflows/slow.yml" <<'YAML'
on: workflow_dispatch
jobs:
  slow:
    runs-on: [self-hosted, remote]
    retry: 2
    steps:
      # The first attempt outlasts any delay before the test kills its agent; the retry is short.
      - run: |
          echo $$ >>"@STEP_GROUPS@"; echo "started on $RUNNER_NAME"
          if [ -e "@STEP_GROUPS@.first" ]; then sleep 1; else touch "@STEP_GROUPS@.first"; sleep 30; fi
          echo finished
YAML
cat >"$WORK/app/.github/workflows/fragile.yml" <<'YAML'
on: workflow_dispatch
jobs:
  slow:
    runs-on: [self-hosted, remote]
    steps:
      - run: echo $$ >>"@STEP_GROUPS@"; echo "started on $RUNNER_NAME"; sleep 30
YAML
cat >"$WORK/app/.github/workflows/gpu.yml" <<'YAML'
on: workflow_dispatch
jobs:
  train:
    runs-on: [self-hosted, gpu]
    steps:
      - run: echo never
YAML
# The steps an agent ran when it was SIGKILLed outlive it (each in its process group): the
# test kills them at its end.
STEP_GROUPS=$WORK/step-groups
sed -i "s|@STEP_GROUPS@|$STEP_GROUPS|g" "$WORK"/app/.github/workflows/{slow,fragile}.yml
kill_steps() {
  [ -f "$STEP_GROUPS" ] || return 0
  while read -r g; do kill -KILL -- "-$g" 2>/dev/null || true; done <"$STEP_GROUPS"
}
echo payload >"$WORK/app/marker.txt"
git -C "$WORK/app" init -q -b main
git -C "$WORK/app" -c user.email=t@e -c user.name=t add -A
git -C "$WORK/app" -c user.email=t@e -c user.name=t commit -qm init

SLUICE_AGENT_LEASE_TTL_MS=2000 start_serve --project "app=$WORK/app"
AGENT_TOKEN=$("$SLUICE" token create --role agent --data-dir "$DATA")
READ_TOKEN=$("$SLUICE" token create --role read --data-dir "$DATA")
start_agent() {  # NAME
  "$SLUICE" agent --server "$URL" --token "$AGENT_TOKEN" --labels remote \
    --executors 2 --name "$1" --work-dir "$WORK/$1" >"$WORK/$1.log" 2>&1 &
  AGENT_PIDS+=($!)
}
remote_agents() {  # remote agents not offline
  api GET /api/v1/agents
  python3 -c 'import json,sys
print(sum(1 for a in json.load(sys.stdin)["agents"] if not a["builtin"] and a["status"] != "offline"))' <<<"$BODY"
}
wait_agents() {  # N
  for _ in $(seq 1 100); do
    [ "$(remote_agents)" -ge "$1" ] && return 0
    sleep 0.1
  done
}

# An agent needs a token with the agent role: a read token is refused and the agent stops.
RC=0
OUT=$(timeout 20 "$SLUICE" agent --server "$URL" --token "$READ_TOKEN" --work-dir "$WORK/refused" 2>&1) || RC=$?
check_rc 2 "an agent with a read token"
check_contains "refused the agent (HTTP 403)" "the refused agent's message"

start_agent agent1
start_agent agent2
wait_agents 2
check_eq "$(remote_agents)" 2 "two agents registered"
api GET /api/v1/agents
body_has '"labels":["self-hosted","remote","linux",' "an agent's labels"
body_has '"name":"built-in"' "the built-in agent is listed"
api GET /metrics
body_has "sluice_agents_connected 2" "/metrics counts the agents"

# 1. Many runs of a 3-job workflow.
start_time=$(date +%s.%N)
RUN_IDS=()
for _ in $(seq 1 "$RUNS"); do
  api POST /api/v1/projects/app/workflows/three.yml/dispatch
  [ "$STATUS" = 201 ] || fail "dispatch: $STATUS $BODY"
  RUN_IDS+=("$(field run_ids.0)")
done
# Every run: success, and each job's log has the output of the job before it.
CHECKED=$(TOKEN=$TOKEN python3 - "${RUN_IDS[@]}" <<'EOF'
import json, os, sys, time
sys.path.insert(0, os.environ["SOURCE_DIR"] + "/tests/integration/tools")
from sluice_api import request
token = os.environ["TOKEN"]
deadline = time.time() + 120
ok, problems, agents = 0, [], set()
for run in sys.argv[1:]:
    while True:
        code, body = request("GET", f"/api/v1/runs/{run}", token)
        status = json.loads(body)["run"]["status"] if code == 200 else ""
        if status not in ("", "queued", "waiting", "in_progress", "running") or time.time() > deadline:
            break
        time.sleep(0.1)
    if status != "success":
        problems.append(f"run {run}: {status or 'timeout'}")
        continue
    logs = {job: request("GET", f"/api/v1/runs/{run}/logs/{job}", token)[1]
            for job in ("build", "test", "deploy")}
    v = f"built-payload-{run}"
    want = {"build": f"build of run {run} on agent", "test": f"test saw {v}", "deploy": f"deploy {v}"}
    bad = [job for job in want if want[job] not in logs[job]]
    if bad:
        problems.append(f"run {run}: {', '.join(bad)} log lacks its line: {logs}")
        continue
    agents.add(logs["build"].split(" on ")[-1].split()[0])
    ok += 1
print(ok, len(agents))
for p in problems[:5]:
    print(p, file=sys.stderr)
EOF
)
end_time=$(date +%s.%N)
check_eq "${CHECKED% *}" "$RUNS" "runs that succeeded with the right outputs and logs"
check_eq "${CHECKED#* }" 2 "agents that ran build jobs"
echo "agents: $RUNS runs of 3 jobs in $(python3 -c "print(round($end_time - $start_time, 1))") s"

# 2. A job no agent can take waits with the reason.
api POST /api/v1/projects/app/workflows/gpu.yml/dispatch
GPU_RUN=$(field run_ids.0)
for _ in $(seq 1 50); do
  api GET "/api/v1/runs/$GPU_RUN"
  grep -q "no agent with labels: gpu" <<<"$BODY" && break
  sleep 0.1
done
body_has "no agent with labels: gpu" "a job nobody can take says why it waits"
check_eq "$(field jobs.0.status)" waiting "the job's status"
api POST "/api/v1/runs/$GPU_RUN/cancel"
check_eq "$(wait_run "$GPU_RUN" 20)" cancelled "a waiting job can be cancelled"

# 3. SIGKILL the agent running a job: requeued (retry: 2), completes on the other agent.
VICTIM=""
kill_running_agent() {  # RUN JOB: SIGKILLs the agent whose log shows the job started (VICTIM)
  VICTIM=""
  for _ in $(seq 1 100); do
    api GET "/api/v1/runs/$1/logs/$2"
    VICTIM=$(grep -o 'started on agent[12]' <<<"$BODY" | head -1 | sed 's/started on //') || true
    [ -n "$VICTIM" ] && break
    sleep 0.1
  done
  [ -n "$VICTIM" ] || { fail "the job never started"; return 0; }
  kill -KILL "${AGENT_PIDS[$((${VICTIM#agent} - 1))]}"
}
api POST /api/v1/projects/app/workflows/slow.yml/dispatch
SLOW=$(field run_ids.0)
kill_running_agent "$SLOW" slow
t0=$(date +%s.%N)
check_eq "$(wait_run "$SLOW" 60)" success "the job was requeued and completed after its agent died"
api GET "/api/v1/runs/$SLOW"
check_eq "$(field jobs.0.attempt)" 2 "the job's attempt"
api GET "/api/v1/runs/$SLOW/logs/slow"
body_has "finished" "the second attempt ran to its end"
echo "agents: requeued and finished $(python3 -c "print(round($(date +%s.%N) - $t0, 1))") s after the SIGKILL (lease 2 s, retried step 1 s)"
check_eq "$(remote_agents)" 1 "the killed agent went offline"

# 4. Retries off: "agent lost".
start_agent "$VICTIM" # back to two agents, AGENT_PIDS[i] being agent<i+1>
if [ "$VICTIM" = agent1 ]; then
  AGENT_PIDS=("${AGENT_PIDS[2]}" "${AGENT_PIDS[1]}")
else
  AGENT_PIDS=("${AGENT_PIDS[0]}" "${AGENT_PIDS[2]}")
fi
wait_agents 2
api POST /api/v1/projects/app/workflows/fragile.yml/dispatch
FRAGILE=$(field run_ids.0)
kill_running_agent "$FRAGILE" slow
check_eq "$(wait_run "$FRAGILE" 30)" failure "without retries the run fails"
api GET "/api/v1/runs/$FRAGILE"
check_eq "$(field jobs.0.reason)" "agent lost" "the job's reason"
finish
