#!/usr/bin/env bash
# Protected environments through `sluice run` (docs/environments.md): a job with
# `environment:` waits until `sluice approve` from another process (the approver's identity
# from $SLUICE_USER; self-review and non-reviewers refused), a reject fails it, a disallowed
# branch fails the run before anything runs, the wait timer holds the job, two runs deploying
# to an environment with concurrency 1 take turns, and cancelling a waiting run works.
# Environment vars and secrets reach the job (the secret masked); a health gate named on the
# environment (a local Statuspage, python3 http.server) holds the job until it is clear, and
# fails it at its timeout; `sluice deployments` lists it all.
source "$(dirname "$0")/lib.sh"
command -v git >/dev/null || { echo "skip: no git"; exit 77; }
command -v python3 >/dev/null || { echo "skip: no python3"; exit 77; }
REPO=$WORK/repo DATA=$WORK/data
BG_PIDS=""
trap 'for p in $BG_PIDS; do kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"' EXIT
mkdir -p "$REPO/.github/workflows" "$REPO/.sluice"
cat >"$REPO/.github/workflows/deploy.yml" <<'YAML'
name: Deploy
on: [push, workflow_dispatch]
jobs:
  build:
    runs-on: ubuntu-latest
    steps: [{run: echo built}]
  deploy:
    needs: build
    runs-on: ubuntu-latest
    environment: {name: production, url: 'https://prod.example.com'}
    steps:
      - run: echo "region=${{ vars.REGION }} token=${{ secrets.TOKEN }} plain=$TOKEN_PLAIN"
        env: {TOKEN_PLAIN: "${{ secrets.TOKEN }}"}
YAML
cat >"$REPO/.github/workflows/timed.yml" <<'YAML'
name: Timed
on: workflow_dispatch
jobs:
  deploy:
    runs-on: ubuntu-latest
    environment: timed
    steps: [{run: echo timed}]
YAML
cat >"$REPO/.github/workflows/single.yml" <<'YAML'
name: Single
on: workflow_dispatch
jobs:
  deploy:
    runs-on: ubuntu-latest
    environment: single
    steps:
      - run: |
          echo "start $(date +%s.%N)" >> "$LOG_FILE"
          sleep 1.5
          echo "end $(date +%s.%N)" >> "$LOG_FILE"
        env: {LOG_FILE: "${{ vars.LOG_FILE }}"}
YAML
cat >"$REPO/.github/workflows/gated.yml" <<'YAML'
name: Gated
on: workflow_dispatch
jobs:
  deploy:
    runs-on: ubuntu-latest
    environment: gated
    steps: [{run: echo gate-passed-deploying}]
YAML
GATE_SITE=$WORK/site
mkdir -p "$GATE_SITE/api/v2"
GATE_FIX=$SOURCE_DIR/tests/gates/fixtures
cp "$GATE_FIX/statuspage_incident.json" "$GATE_SITE/api/v2/summary.json"
python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$GATE_SITE" >"$WORK/server.log" 2>&1 &
BG_PIDS="$BG_PIDS $!"
GATE_PORT=""
for _ in $(seq 1 100); do
  GATE_PORT=$(sed -n 's/.*port \([0-9][0-9]*\).*/\1/p' "$WORK/server.log" | head -1)
  [ -n "$GATE_PORT" ] && break
  sleep 0.1
done
[ -n "$GATE_PORT" ] || fail "http.server did not start: $(cat "$WORK/server.log")"
cat >"$REPO/.sluice/environments.yml" <<YAML
environments:
  production:
    reviewers: [alice, bob, ops]
    prevent-self-review: true
    branches: [main]
    vars: {REGION: eu-west-1}
    secrets-file: prod.env
  timed: {wait-timer: 2s}
  single: {concurrency: 1}
  gated: {health-gates: [status]}
health-gates:
  status: {source: statuspage, url: 'http://127.0.0.1:$GATE_PORT/api/v2/summary.json', services: API, interval: 0.2s, stable-for: 2, timeout: GATE_TIMEOUT}
reviewer-groups:
  ops: [carol]
YAML
printf 'TOKEN=t0ps3cret\n' >"$REPO/.sluice/prod.env"
git -C "$REPO" init -q -b main
git -C "$REPO" -c user.email=t@t -c user.name=t add -A
git -C "$REPO" -c user.email=t@t -c user.name=t commit -qm init

# start_run LOGFILE ARGS...: `sluice run` in the background as bob; RUNNER is its pid.
start_run() {
  local log=$1
  shift
  SLUICE_USER=bob timeout -k 5 60 "$SLUICE" run "$REPO" --data-dir "$DATA" "$@" >"$log" 2>&1 &
  RUNNER=$!
  BG_PIDS="$BG_PIDS $RUNNER"
}
# wait_waiting RUN_OFFSET: waits until the newest deployment is waiting; sets RUN.
wait_waiting() {
  local status=""
  for _ in $(seq 1 200); do
    status=$(db "SELECT status FROM deployments ORDER BY id DESC LIMIT 1" 2>/dev/null || true)
    [ "$status" = waiting ] && break
    sleep 0.1
  done
  check_eq "$status" waiting "the newest deployment's status"
  RUN=$(db "SELECT run_id FROM deployments ORDER BY id DESC LIMIT 1")
}
wait_runner() {  # wait_runner: RUN_RC = the background run's exit code
  RUN_RC=0
  wait "$RUNNER" || RUN_RC=$?
}

# 1. Waits for approval; refused reviews; approved by alice from another process.
start_run "$WORK/approve.out"
wait_waiting
sluice_cmd show "$RUN"
check_contains "waiting for approval to deploy to 'production': 0 of 1 from alice, bob, ops" "sluice show"
check_eq "$(job_status deploy)" waiting "the waiting job's status"
check_eq "$(job_status build)" success "the job before it"
SLUICE_USER=bob sluice_cmd approve "$RUN"
check_rc 1 "self-review"
check_contains "bob started this run and environment 'production' prevents self-review" "self-review"
SLUICE_USER=mallory sluice_cmd approve "$RUN"
check_rc 1 "a non-reviewer"
check_contains "mallory is not a reviewer of environment 'production' (reviewers: alice, bob, ops)"
sleep 1.2
check_eq "$(job_status deploy)" waiting "still waiting after refused reviews"
SLUICE_USER=carol sluice_cmd approve "$RUN" --env production --comment "looks good"
check_rc 0 "carol (group ops) approves"
check_contains "approved deployment" "approve"
wait_runner
check_eq "$RUN_RC" 0 "the approved run's exit code"
OUT=$(cat "$WORK/approve.out")
check_contains "[deploy] waiting: waiting for approval to deploy to 'production'" "live progress"
LOG=$(job_log deploy)
grep -qF "region=eu-west-1 token=*** plain=***" <<<"$LOG" || fail "deploy log lacks the env's values (masked): $LOG"
! grep -qF t0ps3cret <<<"$LOG" "$WORK/approve.out" || fail "the environment's secret leaked"
check_eq "$(db "SELECT status||' '||url FROM deployments WHERE run_id=$RUN")" "success https://prod.example.com" "the deployment record"
check_eq "$(db "SELECT user||' '||decision||' '||comment FROM deployment_reviews")" "carol approved looks good" "the review"
sluice_cmd deployments production --json
check_contains '"status": "success"' "deployments --json"
check_contains '"user": "carol"' "deployments --json"

# 2. A rejection fails the job, with the reason.
start_run "$WORK/reject.out"
wait_waiting
SLUICE_USER=alice sluice_cmd reject "$RUN" --comment "not today"
check_rc 0 "reject"
wait_runner
check_eq "$RUN_RC" 1 "the rejected run's exit code"
check_eq "$(job_status deploy)" failure "the rejected job"
check_eq "$(db "SELECT reason FROM jobs WHERE run_id=$RUN AND key='deploy'")" "deployment to 'production' rejected by alice: not today" "the rejected job's reason"
check_eq "$(db "SELECT status FROM deployments WHERE run_id=$RUN")" failure "the rejected deployment"

# 3. Cancelling a waiting run.
start_run "$WORK/cancel.out"
wait_waiting
sluice_cmd cancel "$RUN"
check_rc 0 "cancel a waiting run"
wait_runner
check_eq "$RUN_RC" 130 "the cancelled run's exit code"
check_eq "$(db "SELECT status FROM deployments WHERE run_id=$RUN")" cancelled "the cancelled deployment"

# 4. A branch production does not allow fails before anything runs, without waiting.
git -C "$REPO" checkout -q -b feature
START=$(date +%s)
SLUICE_USER=bob sluice_run
check_rc 1 "a disallowed branch"
check_contains "refs/heads/feature may not deploy to environment 'production' (allowed: main)"
[ $(($(date +%s) - START)) -lt 10 ] || fail "the disallowed branch waited"
RUN=$(last_run)
check_eq "$(db "SELECT count(*) FROM jobs WHERE run_id=$RUN")" 0 "jobs run on a disallowed branch"
check_eq "$(db "SELECT status FROM deployments WHERE run_id=$RUN")" failure "the refused deployment"
git -C "$REPO" checkout -q main

# 5. The wait timer holds the job for its 2 seconds.
START=$(date +%s%N)
sluice_run -w timed.yml --event workflow_dispatch
check_rc 0 "the wait timer run"
check_contains "[deploy] waiting: wait timer of 'timed': 2s to go"
ELAPSED_MS=$((($(date +%s%N) - START) / 1000000))
[ "$ELAPSED_MS" -ge 2000 ] || fail "the wait timer run took only ${ELAPSED_MS}ms"

# 6. Concurrency 1: two runs take turns; the second waits and is not dropped.
: >"$WORK/single.log"
start_run "$WORK/single1.out" -w single.yml --event workflow_dispatch --var LOG_FILE="$WORK/single.log"
FIRST=$RUNNER
for _ in $(seq 1 100); do grep -q start "$WORK/single.log" && break; sleep 0.1; done
start_run "$WORK/single2.out" -w single.yml --event workflow_dispatch --var LOG_FILE="$WORK/single.log"
SECOND=$RUNNER
R1=0 R2=0
wait "$FIRST" || R1=$?
wait "$SECOND" || R2=$?
check_eq "$R1 $R2" "0 0" "both concurrent runs' exit codes"
OUT=$(cat "$WORK/single2.out")
check_contains "waiting for a deployment to 'single' to finish (concurrency 1)" "the second run"
check_eq "$(cut -d' ' -f1 "$WORK/single.log" | tr '\n' ' ')" "start end start end " "the deployments' order (no overlap)"
sluice_cmd deployments single
check_eq "$(grep -c success <<<"$OUT")" 2 "successful deployments to single"

# 7. A health gate on the environment: blocked by the open incident on API, passes after it is
# resolved and 2 clear polls; then fails at its timeout while the incident stays open.
sed -i "s/GATE_TIMEOUT/20s/" "$REPO/.sluice/environments.yml"
(sleep 1.5 && cp "$GATE_FIX/statuspage_resolved.json" "$GATE_SITE/api/v2/summary.tmp" &&
  mv "$GATE_SITE/api/v2/summary.tmp" "$GATE_SITE/api/v2/summary.json") &
RESOLVER=$!
sluice_run -w gated.yml --event workflow_dispatch
wait $RESOLVER || true
check_rc 0 "the gated deployment"
check_contains "[deploy] waiting: health gate 'status': poll 1 (+0"
check_contains "s): blocked by 2 event(s)"
check_contains "clear (2/2)"
check_before "clear (2/2)" "[deploy] started"
cp "$GATE_FIX/statuspage_incident.json" "$GATE_SITE/api/v2/summary.json"
sed -i "s/timeout: 20s/timeout: 1s/" "$REPO/.sluice/environments.yml"
sluice_run -w gated.yml --event workflow_dispatch
check_rc 1 "the gate that times out"
check_lacks "gate-passed-deploying"
OUT=$(db "SELECT reason FROM jobs WHERE run_id=$(last_run) AND key='deploy'")
check_contains "health gate 'status' failed: timed out after 1s: blocked by 2 event(s)" "the timed-out job's reason"
finish
