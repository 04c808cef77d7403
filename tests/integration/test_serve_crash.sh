#!/usr/bin/env bash
# SIGKILL the controller mid-run and start it again: the step result and the log lines
# written before the kill are kept, the run reaches a final state (interrupted), the
# step's process died with the controller, and the restarted controller runs new work.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/serve_lib.sh"

mkdir -p "$WORK/app/.github/workflows"
cat >"$WORK/app/.github/workflows/long.yml" <<'YAML'
on: workflow_dispatch
jobs:
  long:
    runs-on: local
    steps:
      - run: echo first-step-done
      - run: echo line-before-kill; sleep 120; echo never
YAML
git -C "$WORK/app" init -q -b main
git -C "$WORK/app" -c user.email=t@e -c user.name=t add -A
git -C "$WORK/app" -c user.email=t@e -c user.name=t commit -qm init

start_serve --project "app=$WORK/app"
api POST /api/v1/projects/app/workflows/long.yml/dispatch
check_eq "$STATUS" 201 "dispatch"
RUN=$(field run_ids.0)
for _ in $(seq 1 100); do
  api GET "/api/v1/runs/$RUN/logs/long/2"
  grep -q line-before-kill <<<"$BODY" && break
  sleep 0.1
done
grep -q line-before-kill <<<"$BODY" || fail "the second step never logged"
kill -KILL "$SERVE_PID"
wait "$SERVE_PID" 2>/dev/null || true
SERVE_PID=""
sleep 0.5
pgrep -f "sleep 120" >/dev/null && fail "the step's process outlived the killed controller"

start_serve --project "app=$WORK/app"
api GET "/api/v1/runs/$RUN"
check_eq "$(field run.status)" interrupted "run after restart"
check_eq "$(field jobs.0.steps.0.status)" success "first step kept"
api GET "/api/v1/runs/$RUN/logs/long/1"
grep -q first-step-done <<<"$BODY" || fail "first step's log lost: $BODY"
api GET "/api/v1/runs/$RUN/logs/long/2"
grep -q line-before-kill <<<"$BODY" || { fail "second step log line lost: $BODY"; api GET "/api/v1/runs/$RUN"; echo "$BODY" >&2; }

# The restarted controller works.
api POST /api/v1/projects/app/workflows/long.yml/dispatch
NEXT=$(field run_ids.0)
api POST "/api/v1/runs/$NEXT/cancel"
check_eq "$STATUS" 202 "cancel"
check_eq "$(wait_run "$NEXT")" cancelled "cancelled run"

kill -TERM "$SERVE_PID"
wait "$SERVE_PID" || fail "serve exited $?"
SERVE_PID=""
[ "$FAILURES" -eq 0 ] && echo "PASS [$TEST_NAME]"
exit $((FAILURES > 0))
