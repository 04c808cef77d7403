#!/usr/bin/env bash
# What a step that an agent held across a controller restart decides when it is delivered
# (docs/agent-protocol.md, "Controller restarts"; held_terms). Three runs are in flight when
# `sluice serve` is SIGKILLed and restarted on the same data dir and address:
#  - closing.yml: the last step of job `close` (continue-on-error, exit 3, a step summary):
#    the engine said nothing of the job runs after it, so the job concludes success from
#    it (so `rerun --failed` would reuse it: engine/rerun_selection.h, ReusedJobsTest); the
#    run stays interrupted (job `after` needs `close` and never ran);
#  - cancelled.yml: a held step cancelled through the restarted controller: the agent
#    kills it; the step, the job and the run end cancelled;
#  - timeout.yml: a held step past its timeout-minutes: the agent kills it; the step is
#    timed out, the job and the run end failure.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/serve_lib.sh"

SHARED=$WORK/shared
mkdir -p "$SHARED" "$WORK/app/.github/workflows"
cat >"$WORK/app/.github/workflows/closing.yml" <<YAML
on: workflow_dispatch
jobs:
  close:
    runs-on: [self-hosted, remote]
    steps:
      - run: echo "close first"
      - continue-on-error: true
        run: |
          touch "$SHARED/closing"
          while [ ! -e "$SHARED/go" ]; do sleep 0.05; done  # the controller is killed
          echo "held summary line" >>"\$GITHUB_STEP_SUMMARY"
          exit 3
  after:
    needs: close
    runs-on: [self-hosted, remote]
    steps:
      - run: echo "after never runs"
YAML
cat >"$WORK/app/.github/workflows/cancelled.yml" <<YAML
on: workflow_dispatch
jobs:
  stop:
    runs-on: [self-hosted, remote]
    steps:
      - run: |
          touch "$SHARED/cancelled"
          sleep 60
YAML
cat >"$WORK/app/.github/workflows/timeout.yml" <<YAML
on: workflow_dispatch
jobs:
  slow:
    runs-on: [self-hosted, remote]
    steps:
      - timeout-minutes: 0.1
        run: |
          touch "$SHARED/timeout"
          sleep 60
YAML
restartable_app_with_agent --executors 3

dispatch() {
  api POST "/api/v1/projects/app/workflows/$1/dispatch"
  field run_ids.0
}
# The timed-out step starts last: the controller is killed well within its 6 s.
CANCELLED=$(dispatch cancelled.yml)
CLOSING=$(dispatch closing.yml)
TIMEOUT=$(dispatch timeout.yml)
for marker in cancelled closing timeout; do
  for _ in $(seq 1 200); do [ -e "$SHARED/$marker" ] && break; sleep 0.1; done
  [ -e "$SHARED/$marker" ] || { cat "$WORK/far.log" >&2; fail "step $marker did not start"; exit 1; }
done
kill -KILL "$SERVE_PID"
wait "$SERVE_PID" 2>/dev/null || true
SERVE_PID=""
touch "$SHARED/go"  # the closing step ends while the controller is down
start_serve --project "app=$WORK/app"  # same data dir, same address

# (409 until the agent has registered again and named the step it holds.)
for _ in $(seq 1 150); do
  api POST "/api/v1/runs/$CANCELLED/cancel"
  [ "$STATUS" = 202 ] && break
  sleep 0.1
done
check_eq "$STATUS" 202 "a run whose step an agent holds can be cancelled after the restart"

# One python per look at a run: FIELDS prints the named fields of BODY, one a line.
fields() { python3 -c 'import json,sys
d=json.loads(sys.argv[1])
for p in sys.argv[2:]:
    v=d
    for k in p.split("."): v=v[int(k)] if isinstance(v,list) else v.get(k)
    print(str(v).strip())' "$BODY" "$@"; }
wait_job() {  # RUN: until its first job is no longer interrupted; BODY is the run then
  for _ in $(seq 1 100); do
    api GET "/api/v1/runs/$1"
    [ "$(fields jobs.0.status)" != interrupted ] && break
    sleep 0.1
  done
}

# The closing step: continue-on-error turned its failure into success, and nothing of its
# job was left to run: the job concludes success; the run waits for `after`.
wait_job "$CLOSING"
mapfile -t F < <(fields jobs.0.status jobs.0.steps.1.status jobs.0.steps.1.outcome \
  jobs.0.steps.1.exit_code summaries.0.markdown jobs.1.status run.status)
check_eq "${F[0]}" success "the job of a delivered last step concludes"
check_eq "${F[1]}" success "continue-on-error: the step's conclusion"
check_eq "${F[2]}" failure "the step's outcome"
check_eq "${F[3]}" 3 "the step's exit code"
check_eq "${F[4]}" "held summary line" "the held step's summary"
check_eq "${F[5]}" interrupted "the job that needs it never ran"
check_eq "${F[6]}" interrupted "so the run stays interrupted"

# The cancelled and the timed-out held steps: killed by the agent; their one-job runs
# reach their final state.
wait_job "$CANCELLED"
mapfile -t F < <(fields jobs.0.status jobs.0.steps.0.status run.status)
check_eq "${F[*]}" "cancelled cancelled cancelled" "the cancelled held step, its job and run"
wait_job "$TIMEOUT"
mapfile -t F < <(fields jobs.0.status jobs.0.steps.0.status run.status jobs.0.steps.0.reason)
check_eq "${F[*]:0:3}" "failure timed_out failure" "the timed-out held step, its job and run"
OUT=${F[3]} check_contains "delivered by agent far" "the agent killed it, not the old controller"
finish
