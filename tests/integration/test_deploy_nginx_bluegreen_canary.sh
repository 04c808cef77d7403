#!/usr/bin/env bash
# sluice/deploy@v1 with a real nginx in front of two application instances (blue, green):
# 1. blue/green of a good revision: installed on the idle colour, validated, all traffic
#    switched, zero failed requests seen by a client looping through nginx;
# 2. canary of a bad revision (every 5th request fails): 20 % of traffic goes to it, the
#    check fails, traffic returns to the old colour, the client saw failures only while the
#    canary had its 20 %, the deployment is marked rolled back and v1 is still last good.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/deploy_lib.sh"
start_app app-blue
start_app app-green
release v0
release v1
release v2 5  # every 5th request fails
cp "$RELEASES/v0" "$APPS/app-blue/release"
start_nginx "app-blue 100" "app-green 0"

# deploy STRATEGY REVISION <<EXTRA_WITH: deploys to blue=app-blue, green=app-green.
deploy() {
  {
    printf 'strategy: %s\nenvironment: production\nrevision: %s\n' "$1" "$2"
    printf 'targets: blue=app-blue, green=app-green\nhooks: |\n'
    printf '  Install: %s\n  ValidateService: %s\n  set-traffic: %s\n' \
      "$BIN/install.sh" "$BIN/validate.sh" "$BIN/set-traffic.sh"
    cat
  } | deploy_workflow
  deploy_run
}

# 1. Blue/green of v1: green is idle (blue serves v0).
traffic_start bluegreen
deploy blue-green v1 <<WITH
checks: |
  - name: through-nginx
    http: $NGINX_URL
    count: 3
    interval: 100ms
WITH
sleep 0.3
traffic_stop
check_rc 0 "blue-green of v1"
check_contains "[app-green Install] installed v1 on app-green"
check_contains "traffic: 100% to green"
check_eq "$(failed)" 0 "failed requests during blue/green"
check_eq "$(tail_versions 20)" "200 v1;" "traffic after the switch"
[ "$(count 200 v0)" -gt 0 ] || fail "the client never saw v0 before the switch"
check_eq "$(jdb "SELECT state FROM deploy_journal WHERE phase='deployment' ORDER BY rowid DESC LIMIT 1")" \
  succeeded "blue-green deployment state"

# 2. Canary of the bad v2 on blue (idle now): 20 %, then analysis of the canary itself.
traffic_start canary
deploy canary v2 <<WITH
steps: |
  - set-weight: 20
  - pause: 1s
  - analysis: [errors]
  - set-weight: 100
checks: |
  - name: errors
    http: http://127.0.0.1:$(app_port app-blue)/
    count: 40
    interval: 50ms
    failure-limit: 1
WITH
sleep 0.3
traffic_stop
check_rc 1 "canary of the bad v2"
check_contains "analysis: fail: check errors: 2 failed measurement(s), limit 1"
check_contains "traffic: 100% to green"
check_contains "rolled back: v1 is live again on green"
ID=$(jdb "SELECT deployment_id FROM deploy_journal WHERE seq=1 AND detail LIKE '%\"revision\":\"v2\"%' AND detail NOT LIKE '%rollback_of\":\"d-%'")
check_eq "$(jdb "SELECT state FROM deploy_journal WHERE deployment_id='$ID' ORDER BY seq DESC LIMIT 1")" \
  rolled-back "the canary deployment's final state"
check_eq "$(jdb "SELECT json_extract(d.detail, '$.spec.revision') FROM deploy_journal d
  WHERE d.seq = 1 AND d.deployment_id = (SELECT deployment_id FROM deploy_journal
  WHERE phase='deployment' AND state='succeeded' ORDER BY rowid DESC LIMIT 1)")" v1 "last good revision"
# The window during which the canary had traffic: from the journal's 20 % entry to the
# rollback's switch back.
T0=$(jdb "SELECT time_ms FROM deploy_journal WHERE deployment_id='$ID' AND phase='traffic' AND state='started' ORDER BY seq LIMIT 1")
T1=$(jdb "SELECT max(time_ms) FROM deploy_journal WHERE phase='traffic' AND state='succeeded' AND detail LIKE '%green%'")
IN_WINDOW=$(awk -v a="$T0" -v b="$T1" '$1 >= a && $1 <= b' "$TRAFFIC" | wc -l)
V2_IN_WINDOW=$(awk -v a="$T0" -v b="$T1" '$1 >= a && $1 <= b && $3 == "v2"' "$TRAFFIC" | wc -l)
V2_AFTER=$(awk -v b="$T1" '$1 > b + 50 && $3 == "v2"' "$TRAFFIC" | wc -l)
FAILED=$(failed)
echo "canary: $(total) requests, $IN_WINDOW while the canary had traffic, $V2_IN_WINDOW to v2, $FAILED failed"
[ "$V2_IN_WINDOW" -gt 0 ] || fail "the canary never got traffic"
[ "$FAILED" -gt 0 ] || fail "no client request failed: the bad revision was never exercised"
# Bounded by the canary's weight: at most 20 % (+ slack) of the window went to v2, and only
# v2's every fifth request failed. The app counts the analysis' 40 probes too, so the
# failures that fall on the traffic are at most a fifth of both; nothing reached v2 after
# the switch back.
[ "$((V2_IN_WINDOW * 100))" -le "$((IN_WINDOW * 30 + 200))" ] || fail "v2 got $V2_IN_WINDOW of $IN_WINDOW requests"
[ "$FAILED" -le "$(((V2_IN_WINDOW + 40) / 5 + 1))" ] || fail "$FAILED failed requests for $V2_IN_WINDOW to v2"
check_eq "$V2_AFTER" 0 "requests served by v2 after the rollback"
check_eq "$(tail_versions 20)" "200 v1;" "traffic after the rollback"
finish
