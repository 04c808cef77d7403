#!/usr/bin/env bash
# Graceful shutdown: on SIGTERM the controller stops accepting connections, lets a
# running step finish within the grace period (the run succeeds), and exits 0; with a
# grace too short for the step, the run is cancelled and recorded so, and it still exits 0.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/serve_lib.sh"

mkdir -p "$WORK/app/.github/workflows"
cat >"$WORK/app/.github/workflows/slow.yml" <<'YAML'
on:
  workflow_dispatch:
    inputs:
      seconds: {type: number, default: 2}
jobs:
  slow:
    runs-on: local
    steps:
      - run: echo started; sleep ${{ inputs.seconds }}; echo finished-step
YAML
git -C "$WORK/app" init -q -b main
git -C "$WORK/app" -c user.email=t@e -c user.name=t add -A
git -C "$WORK/app" -c user.email=t@e -c user.name=t commit -qm init

wait_log() {  # wait_log RUN TEXT: until the step's log holds TEXT
  for _ in $(seq 1 100); do
    api GET "/api/v1/runs/$1/logs/slow/1"
    grep -q "$2" <<<"$BODY" && return 0
    sleep 0.1
  done
  fail "run $1 never logged '$2'"
}

# 1. The step finishes within the grace period.
start_serve --project "app=$WORK/app" --grace 20
api POST /api/v1/projects/app/workflows/slow.yml/dispatch '{"inputs":{"seconds":2}}'
check_eq "$STATUS" 201 "dispatch"
RUN=$(field run_ids.0)
wait_log "$RUN" started
kill -TERM "$SERVE_PID"
# Stopped accepting: a new connection is refused while the step still runs.
sleep 0.5
$API request GET /healthz >/dev/null 2>&1 && fail "still accepting after SIGTERM"
rc=0
timeout 30 tail --pid="$SERVE_PID" -f /dev/null || fail "serve did not exit after the step"
wait "$SERVE_PID" || rc=$?
SERVE_PID=""
check_eq "$rc" 0 "exit code after a graceful stop"
check_eq "$(sqlite3 "$DATA/sluice.db" "SELECT status FROM runs WHERE id=$RUN")" success "run finished in grace"
grep -q "stopped" "$SERVE_LOG" || fail "no stop message"

# 2. The grace period ends first: the run is cancelled, the process exits 0.
start_serve --project "app=$WORK/app" --grace 1
api POST /api/v1/projects/app/workflows/slow.yml/dispatch '{"inputs":{"seconds":60}}'
RUN=$(field run_ids.0)
wait_log "$RUN" started
start=$(date +%s)
kill -TERM "$SERVE_PID"
rc=0
timeout 40 tail --pid="$SERVE_PID" -f /dev/null || fail "serve did not exit after the grace"
wait "$SERVE_PID" || rc=$?
SERVE_PID=""
check_eq "$rc" 0 "exit code after cancelling"
[ $(($(date +%s) - start)) -lt 30 ] || fail "shutdown took too long"
check_eq "$(sqlite3 "$DATA/sluice.db" "SELECT status FROM runs WHERE id=$RUN")" cancelled "run cancelled after grace"
pgrep -f "sleep 60" >/dev/null && fail "the step's process outlived the controller"

[ "$FAILURES" -eq 0 ] && echo "PASS [$TEST_NAME]"
exit $((FAILURES > 0))
