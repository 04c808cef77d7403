#!/usr/bin/env bash
# A controller SIGKILLed while a remote agent runs its step (issue 10 §3 and §7): the agent
# keeps the step running and its reports in its outbox, registers again with the restarted
# controller (same data dir and address) naming the step it holds with the old
# controller's proof, and delivers the rest; the step's record shows its success, its
# output and every line it printed, and the run is final (interrupted: the job's later
# steps never ran). A held step whose proof is forged is refused.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/serve_lib.sh"


SHARED=$WORK/shared
mkdir -p "$SHARED" "$WORK/app/.github/workflows"
cat >"$WORK/app/.github/workflows/restart.yml" <<YAML
on: workflow_dispatch
jobs:
  far:
    runs-on: [self-hosted, remote]
    steps:
      - run: echo "first step"
      - id: slow
        run: |
          for i in 1 2 3; do echo "line \$i before the kill"; done
          touch "$SHARED/started"
          while [ ! -e "$SHARED/go" ]; do sleep 0.05; done  # the controller is killed
          echo "line 4 after the restart"
          echo "answer=42" >>"\$GITHUB_OUTPUT"
      - run: echo "never runs"
YAML
restartable_app_with_agent

api POST /api/v1/projects/app/workflows/restart.yml/dispatch
RUN=$(field run_ids.0)
for _ in $(seq 1 200); do [ -e "$SHARED/started" ] && break; sleep 0.1; done
[ -e "$SHARED/started" ] || { cat "$WORK/far.log" >&2; fail "the slow step did not start"; exit 1; }
sleep 0.3  # its first lines reach the controller
kill -KILL "$SERVE_PID"
wait "$SERVE_PID" 2>/dev/null || true
SERVE_PID=""
touch "$SHARED/go"  # the step ends while the controller is down
start_serve --project "app=$WORK/app"  # same data dir, same address

check_eq "$(wait_run "$RUN" 20)" interrupted "the run of the killed controller is final"
# The agent delivers once it has registered again.
step_status() {
  api GET "/api/v1/runs/$RUN"
  field jobs.0.steps.1.status
}
for _ in $(seq 1 150); do [ "$(step_status)" = success ] && break; sleep 0.1; done
check_eq "$(step_status)" success "the held step's record shows its success"
api GET "/api/v1/runs/$RUN"
check_eq "$(field jobs.0.steps.1.outputs.answer)" 42 "the held step's output"
check_eq "$(field jobs.0.steps.0.status)" success "the step before it"
check_eq "$(field jobs.0.steps.2.status)" interrupted "the step after it never ran"
check_eq "$(field jobs.0.status)" interrupted "the job is not called a success or a failure"
check_eq "$(field run.status)" interrupted "the run stays final"
OUT=$(field jobs.0.steps.1.reason) check_contains "delivered by agent far after a controller restart" \
  "the step's record says how it was recorded"

OUT=$("$SLUICE" logs "$RUN" --data-dir "$DATA" 2>&1)
check_contains "first step" "sluice logs: the first step"
for i in 1 2 3; do check_contains "line $i before the kill" "sluice logs: line $i"; done
check_contains "line 4 after the restart" "sluice logs: the line printed while the controller was down"
check_eq "$(grep -c "line 1 before the kill" <<<"$OUT")" 1 "no line is written twice"
check_lacks "never runs" "the later step did not run"

for _ in $(seq 1 50); do [ -z "$(ls -A "$WORK/far/leases" 2>/dev/null)" ] && break; sleep 0.1; done
check_eq "$(ls -A "$WORK/far/leases")" "" "the agent ended the delivered lease and removed its directory"
OUT=$(cat "$WORK/far.log") check_contains "held step is delivered" "the agent's log"

# A held step with a forged proof: refused, and the record stays as it is.
FORGED=$(python3 -c 'import json,sys; print(json.dumps({"protocol": "sluice-agent/1", "name": "forger",
  "held": [{"lease_id": "l-1", "step_id": 1, "run_id": int(sys.argv[1]), "job_key": "far", "attempt": 1,
            "step_index": 2, "step_attempt": 1, "proof": "ab" * 32, "finished": True}]}))' "$RUN")
OUT=$($API --token "$AGENT_TOKEN" request POST /api/v1/agent/register --body "$FORGED")
check_contains '"accepted":false' "a forged proof is refused"
check_contains "the step's proof is not this controller's" "the refusal says why"
api GET "/api/v1/runs/$RUN"
check_eq "$(field jobs.0.steps.2.status)" interrupted "the forged step's record is untouched"
finish
