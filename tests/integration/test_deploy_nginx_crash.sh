#!/usr/bin/env bash
# sluice SIGKILLed during a canary pause, with a real nginx in front of two instances:
# before the crash the journal says "20 % to blue, paused" and nginx serves ~20 % v2.
# `sluice run --resume RUN` then rolls the cut-short deployment back (the journal says
# rolled back, the last good deployment is v1 on green) and runs the run's unfinished jobs
# again, reusing the build job that had succeeded: the canary of v2 pauses again, is
# promoted, and nginx serves only v2, with no failed request throughout. Then a second
# crash in the pause, and the controller (`sluice serve`) rolls it back when it starts: the
# record matches what nginx serves at each point.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/deploy_lib.sh"
start_app app-blue
start_app app-green
release v0
release v1
release v2
cp "$RELEASES/v0" "$APPS/app-blue/release"
start_nginx "app-blue 100" "app-green 0"

{
  printf 'strategy: blue-green\nenvironment: production\nrevision: v1\n'
  printf 'targets: blue=app-blue, green=app-green\nhooks: |\n'
  printf '  Install: %s\n  set-traffic: %s\n' "$BIN/install.sh" "$BIN/set-traffic.sh"
} | deploy_workflow
sluice_run
check_rc 0 "blue-green of v1"

# The run: a build job whose output names the revision, then the canary of it, which
# pauses at 20 % until promoted; sluice is killed in the pause.
canary_workflow() {
  mkdir -p "$REPO/.github/workflows"
  cat >"$REPO/.github/workflows/deploy.yml" <<YAML
name: deploy
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    outputs:
      revision: \${{ steps.b.outputs.revision }}
    steps:
      - id: b
        run: |
          echo built >> "$WORK/builds"
          echo "revision=$1" >> "\$GITHUB_OUTPUT"
  deploy:
    needs: build
    runs-on: ubuntu-latest
    steps:
      - uses: sluice/deploy@v1
        with:
          strategy: canary
          environment: production
          revision: \${{ needs.build.outputs.revision }}
          targets: blue=app-blue, green=app-green
          hooks: |
            Install: $BIN/install.sh
            set-traffic: $BIN/set-traffic.sh
          steps: |
            - set-weight: 20
            - pause: {}
YAML
}

# journal_end: the journal's last rowid. wait_pause AFTER: the id of a deployment paused at
# its canary step, journalled after rowid AFTER.
journal_end() { jdb "SELECT coalesce(max(rowid), 0) FROM deploy_journal"; }
wait_pause() {
  local id=""
  for _ in $(seq 1 400); do
    id=$(jdb "SELECT deployment_id FROM deploy_journal WHERE phase='pause' AND state='started' AND rowid > $1 ORDER BY rowid DESC LIMIT 1" 2>/dev/null || true)
    [ -n "$id" ] && break
    sleep 0.05
  done
  echo "$id"
}
# crash_in_pause: runs the workflow in the background, SIGKILLs sluice and the deploy step
# in the canary's pause; sets PAUSED (the deployment) and CRASHED_RUN.
crash_in_pause() {
  local after
  after=$(journal_end)
  "$SLUICE" run "$REPO" --data-dir "$DATA" >"$WORK/run.out" 2>&1 &
  RUN_PID=$!
  DEMO_PIDS+=($RUN_PID)
  PAUSED=$(wait_pause "$after")
  [ -n "$PAUSED" ] || { fail "the canary never paused: $(cat "$WORK/run.out")"; finish; }
  local owner
  owner=$(jdb "SELECT json_extract(detail, '$.owner') FROM deploy_journal WHERE deployment_id='$PAUSED' AND seq=1")
  kill -9 "${owner%%:*}" "$RUN_PID"
  { wait "$RUN_PID"; } 2>/dev/null || true
  CRASHED_RUN=$(jdb "SELECT max(id) FROM runs")
}

canary_workflow v2
crash_in_pause

# Before recovery: the record says 20 % to blue, and that is what nginx serves.
check_eq "$(jdb "SELECT detail FROM deploy_journal WHERE deployment_id='$PAUSED' AND phase='traffic' ORDER BY seq DESC LIMIT 1")" \
  '{"colour":"blue","weight":20}' "the journal's last traffic entry"
check_eq "$(jdb "SELECT phase || ' ' || state FROM deploy_journal WHERE deployment_id='$PAUSED' ORDER BY seq DESC LIMIT 1")" \
  "pause started" "the journal's last entry"
traffic_start before
sleep 1
traffic_stop
V2=$(count 200 v2) ALL=$(total)
echo "after the crash: $V2 of $ALL requests served by v2"
[ "$((V2 * 100))" -ge "$((ALL * 15))" ] && [ "$((V2 * 100))" -le "$((ALL * 25))" ] ||
  fail "nginx serves $V2 of $ALL requests from v2, the journal says 20 %"

sluice_cmd deploy status
check_contains "$PAUSED  production  run $CRASHED_RUN"
check_contains "canary  v2  deploy  pause started"

# sluice run --resume: the deployment is rolled back first, then the deploy job runs again
# (the build job is reused) and its canary pauses again.
traffic_start resume
AFTER=$(journal_end)
"$SLUICE" run "$REPO" --data-dir "$DATA" --resume "$CRASHED_RUN" >"$WORK/resume.out" 2>&1 &
RESUME_PID=$!
DEMO_PIDS+=($RESUME_PID)
AGAIN=$(wait_pause "$AFTER")
[ -n "$AGAIN" ] || { fail "the resumed canary never paused: $(cat "$WORK/resume.out")"; finish; }
check_eq "$(jdb "SELECT state FROM deploy_journal WHERE deployment_id='$PAUSED' ORDER BY seq DESC LIMIT 1")" \
  rolled-back "the cut-short canary's final state"
GOOD=$(jdb "SELECT deployment_id FROM deploy_journal WHERE phase='deployment' AND state='succeeded' ORDER BY rowid DESC LIMIT 1")
check_eq "$(jdb "SELECT json_extract(detail, '$.spec.revision') || ' ' || json_extract(detail, '$.rollback_of') FROM deploy_journal WHERE deployment_id='$GOOD' AND seq=1")" \
  "v1 $PAUSED" "the last good deployment (the rollback)"
check_eq "$(jdb "SELECT json_extract(detail, '$.colour') FROM deploy_journal WHERE deployment_id='$GOOD' ORDER BY seq DESC LIMIT 1")" \
  green "the last good colour"
# The rollback ended before the new deployment began.
check_eq "$(jdb "SELECT (SELECT max(time_ms) FROM deploy_journal WHERE deployment_id='$GOOD') <= (SELECT min(time_ms) FROM deploy_journal WHERE deployment_id='$AGAIN')")" \
  1 "rollback finished before the resumed deployment started"
NEW_RUN=$(jdb "SELECT max(id) FROM runs")
check_eq "$(jdb "SELECT rerun_of FROM runs WHERE id=$NEW_RUN")" "$CRASHED_RUN" "the resumed run's rerun_of"
sluice_cmd deploy promote "$NEW_RUN"
check_rc 0 "sluice deploy promote"
for _ in $(seq 1 300); do kill -0 "$RESUME_PID" 2>/dev/null || break; sleep 0.05; done
RC=0
wait "$RESUME_PID" || RC=$?
sleep 0.5  # nginx's old workers finish their requests after the last reload
traffic_stop
OUT=$(cat "$WORK/resume.out")
check_rc 0 "sluice run --resume"
check_contains "resuming run $CRASHED_RUN"
check_contains "$PAUSED: rolled-back"
check_eq "$(wc -l <"$WORK/builds")" 1 "build job runs (reused by the resume)"
check_eq "$(jdb "SELECT status || ' ' || reason FROM jobs WHERE run_id=$NEW_RUN AND key='build'")" \
  "success succeeded in run $CRASHED_RUN" "the resumed run's build job"
check_eq "$(jdb "SELECT state FROM deploy_journal WHERE deployment_id='$AGAIN' ORDER BY seq DESC LIMIT 1")" \
  succeeded "the resumed canary's final state"
check_eq "$(tail_versions 20)" "200 v2;" "what nginx serves after the promoted canary"
check_eq "$(failed)" 0 "failed requests during the resume"

# A resumed run that succeeded has nothing left to resume.
sluice_cmd run "$REPO" --resume "$NEW_RUN"
check_rc 2 "sluice run --resume of a successful run"
check_contains "succeeded; there is nothing to resume"

# The controller's recovery: a canary of v3 cut short again; `sluice serve` on the data dir
# rolls it back before it listens.
release v3
canary_workflow v3
crash_in_pause
check_eq "$(jdb "SELECT json_extract(detail, '$.spec.revision') FROM deploy_journal WHERE deployment_id='$PAUSED' AND seq=1")" \
  v3 "the second cut-short canary's revision"
traffic_start serve
"$SLUICE" serve --listen 127.0.0.1:0 --data-dir "$DATA" >"$WORK/serve.log" 2>&1 &
SERVE_PID=$!
DEMO_PIDS+=($SERVE_PID)
for _ in $(seq 1 300); do
  grep -q 'listening on' "$WORK/serve.log" && break
  kill -0 "$SERVE_PID" 2>/dev/null || break
  sleep 0.1
done
sleep 0.5
traffic_stop
grep -q 'listening on' "$WORK/serve.log" || fail "sluice serve did not start: $(cat "$WORK/serve.log")"
check_eq "$(jdb "SELECT state FROM deploy_journal WHERE deployment_id='$PAUSED' ORDER BY seq DESC LIMIT 1")" \
  rolled-back "the second canary's final state after the controller started"
grep -q "$PAUSED: rolled-back" "$WORK/serve.log" || fail "the controller's log does not say it rolled $PAUSED back"
check_eq "$(tail_versions 20)" "200 v2;" "what nginx serves after the controller's recovery"
check_eq "$(failed)" 0 "failed requests during the controller's recovery"
kill "$SERVE_PID" 2>/dev/null || true
{ wait "$SERVE_PID"; } 2>/dev/null || true

# Nothing left to recover; a second recover changes nothing.
sluice_cmd deploy recover
check_contains "no deployment to recover"
finish
