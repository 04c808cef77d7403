#!/usr/bin/env bash
# sluice/deploy@v1, strategy rolling, over 4 application instances behind a real nginx with
# min-healthy 75 %: batches of one target; each target is taken out of nginx's upstream
# (BeforeBlockTraffic), installed, validated and put back (AfterAllowTraffic). v2 needs a
# feature the third instance lacks, so its ValidateService fails: the rollout stops there
# (the fourth target is never touched) and the first three are rolled back to v1 through
# v1's hooks, one at a time. A client looping through nginx sees no failed request.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/deploy_lib.sh"
for i in 1 2 3 4; do
  if [ "$i" = 3 ]; then start_app app$i; else start_app app$i feature-x; fi
done
release v1
release v2 0 feature-x
start_nginx "app1 1" "app2 1" "app3 1" "app4 1"

deploy() {
  deploy_workflow <<WITH
strategy: rolling
min-healthy: 75%
environment: staging
revision: $1
targets: app1, app2, app3, app4
hooks: |
  BeforeBlockTraffic: $BIN/weight.sh 0
  ApplicationStop: $BIN/stop.sh
  Install: $BIN/install.sh
  ValidateService: $BIN/validate.sh
  AfterAllowTraffic: $BIN/weight.sh 1
WITH
  deploy_run
}

deploy v1
check_rc 0 "rolling deployment of v1"
for i in 1 2 3 4; do check_file_contains "$APPS/app$i/release" "version=v1"; done

traffic_start rolling
deploy v2
sleep 0.3
traffic_stop
check_rc 1 "rolling deployment of v2"
check_contains "batch 1/4: app1"
check_contains "batch 3/4: app3"
check_lacks "batch 4/4"
check_contains "ValidateService failed on app3: exit 1"
check_contains "rolled back: v1 is live again"
for i in 1 2 3 4; do check_file_contains "$APPS/app$i/release" "version=v1"; done
ID=$(jdb "SELECT deployment_id FROM deploy_journal WHERE seq=1 AND detail LIKE '%\"revision\":\"v2\"%'")
RB=$(jdb "SELECT deployment_id FROM deploy_journal WHERE seq=1 AND detail LIKE '%\"rollback_of\":\"$ID\"%'")
check_eq "$(jdb "SELECT state FROM deploy_journal WHERE deployment_id='$ID' ORDER BY seq DESC LIMIT 1")" \
  rolled-back "v2's final state"
check_eq "$(jdb "SELECT count(*) FROM deploy_journal WHERE deployment_id='$ID' AND target='app4'")" 0 \
  "journal entries of v2 on app4"
check_eq "$(jdb "SELECT target FROM deploy_journal WHERE deployment_id='$RB' AND phase='Install'
  AND state='succeeded' ORDER BY seq" | tr '\n' ,)" "app1,app2,app3," "targets the rollback reinstalled, in order"
check_eq "$(jdb "SELECT state FROM deploy_journal WHERE deployment_id='$RB' ORDER BY seq DESC LIMIT 1")" \
  succeeded "the rollback deployment"
# ApplicationStop ran v1's script (the last good revision's) before each install.
check_eq "$(grep -c "^ApplicationStop app.* $ID\$" "$DEPLOY_NGINX_STATE/stops")" 3 "ApplicationStop runs of v2"
echo "rolling: $(total) requests, $(count 200 v2) served by v2 during the rollout, $(failed) failed"
check_eq "$(failed)" 0 "failed requests during the rolling deployment and its rollback"
[ "$(count 200 v2)" -gt 0 ] || fail "the client never saw v2 (the first targets did get it)"
check_eq "$(tail_versions 20)" "200 v1;" "traffic after the rollback"
finish
