#!/usr/bin/env bash
# sluice SIGKILLed during a canary pause, with a real nginx in front of two instances:
# before the crash the journal says "20 % to blue, paused" and nginx serves ~20 % v2; after
# `sluice deploy recover` (what the next deploy step of the environment also does first)
# the deployment is rolled back: the journal says rolled back, the last good deployment is
# v1 on green, and nginx serves only v1 again. The record matches what nginx serves at
# each point.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/deploy_lib.sh"
start_app app-blue
start_app app-green
release v0
release v1
release v2
cp "$RELEASES/v0" "$APPS/app-blue/release"
start_nginx "app-blue 100" "app-green 0"

# write_deploy STRATEGY REVISION: a canary pauses at 20 % until promoted.
write_deploy() {
  {
    printf 'strategy: %s\nenvironment: production\nrevision: %s\n' "$1" "$2"
    printf 'targets: blue=app-blue, green=app-green\nhooks: |\n'
    printf '  Install: %s\n  set-traffic: %s\n' "$BIN/install.sh" "$BIN/set-traffic.sh"
    [ "$1" != canary ] || printf 'steps: |\n  - set-weight: 20\n  - pause: {}\n'
  } | deploy_workflow
}

write_deploy blue-green v1
sluice_run
check_rc 0 "blue-green of v1"

# The canary of v2 pauses until promoted; sluice is killed in the pause.
write_deploy canary v2
"$SLUICE" run "$REPO" --data-dir "$DATA" >"$WORK/run.out" 2>&1 &
RUN_PID=$!
DEMO_PIDS+=($RUN_PID)
PAUSED=""
for _ in $(seq 1 300); do
  PAUSED=$(jdb "SELECT deployment_id FROM deploy_journal WHERE phase='pause' AND state='started'" 2>/dev/null || true)
  [ -n "$PAUSED" ] && break
  sleep 0.05
done
[ -n "$PAUSED" ] || { fail "the canary never paused: $(cat "$WORK/run.out")"; finish; }
OWNER=$(jdb "SELECT json_extract(detail, '$.owner') FROM deploy_journal WHERE deployment_id='$PAUSED' AND seq=1")
DEPLOYER_PID=${OWNER%%:*}
kill -9 "$DEPLOYER_PID" "$RUN_PID"
{ wait "$RUN_PID"; } 2>/dev/null || true

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
check_contains "$PAUSED  production  run"
check_contains "canary  v2  deploy  pause started"

traffic_start recovery
sluice_cmd deploy recover
sleep 0.3
traffic_stop
check_rc 0 "sluice deploy recover"
check_contains "$PAUSED: rolled-back"
check_eq "$(jdb "SELECT state FROM deploy_journal WHERE deployment_id='$PAUSED' ORDER BY seq DESC LIMIT 1")" \
  rolled-back "the canary's final state"
GOOD=$(jdb "SELECT deployment_id FROM deploy_journal WHERE phase='deployment' AND state='succeeded' ORDER BY rowid DESC LIMIT 1")
check_eq "$(jdb "SELECT json_extract(detail, '$.spec.revision') || ' ' || json_extract(detail, '$.rollback_of') FROM deploy_journal WHERE deployment_id='$GOOD' AND seq=1")" \
  "v1 $PAUSED" "the last good deployment (the rollback)"
check_eq "$(jdb "SELECT json_extract(detail, '$.colour') FROM deploy_journal WHERE deployment_id='$GOOD' ORDER BY seq DESC LIMIT 1")" \
  green "the last good colour"
check_eq "$(tail_versions 20)" "200 v1;" "what nginx serves after recovery"
check_eq "$(failed)" 0 "failed requests during recovery"

# Nothing left to recover; a second recover changes nothing.
sluice_cmd deploy recover
check_contains "no deployment to recover"
finish
