#!/usr/bin/env bash
# Issue 11 §6: what sluice/deploy@v1 costs on top of the user's hooks, and how fast a failed
# canary check gets traffic back.
#
# 1. Orchestration overhead: T targets x 6 lifecycle hooks (ApplicationStop ... ValidateService,
#    each the same small script), deployed by `sluice __deploy` (rolling, one target at a
#    time: every hook journalled twice, committed before it runs) against the same scripts
#    run directly by a bash loop with the same environment variables. Two hook scripts:
#    `true` (the worst case: the hook costs nothing) and `sleep 0.02` (a hook doing a little).
# 2. Failed check -> traffic back: a canary of a bad revision behind a real nginx
#    (examples/deploy-nginx), its check an HTTP check of the canary instance every 20 ms;
#    from the journal time of the failing measurement to the
#    rollback's "traffic succeeded" entry (SetTraffic returned: nginx reloaded and a new
#    worker runs), and to the last response a client got from the bad revision; and the
#    time of one render + `nginx -s reload` alone.
# Best and median of N rounds (default 5).
# Usage: bench/deploy_bench.sh BUILD_DIR [N] [TARGETS]
set -euo pipefail
SLUICE=$(cd "${1:?build dir}" && pwd)/sluice
N=${2:-5}
T=${3:-8}
HERE=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d)
export DEPLOY_NGINX_STATE=$WORK/state
source "$HERE/examples/deploy-nginx/tools/env.sh"
trap 'stop_demo_env; rm -rf "$WORK"' EXIT
ns() { date +%s%N; }
stats() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {printf "best %.1f ms, median %.1f ms", a[1]/1e6, a[int((NR+1)/2)]/1e6}'; }
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

EVENTS="ApplicationStop BeforeInstall Install AfterInstall ApplicationStart ValidateService"
overhead() {  # overhead SCRIPT
  local script=$1 hooks="" targets="" direct=() deployed=()
  for e in $EVENTS; do hooks+="$e: $script"$'\n'; done
  for t in $(seq "$T"); do targets+="t$t,"; done
  # sluice: one untimed first deployment, so that every timed one also runs ApplicationStop
  # (the previous good revision's script), as the direct loop does.
  rm -rf "$WORK/data"
  deploy_once() {
    SLUICE_DATA_DIR=$WORK/data GITHUB_WORKSPACE=$WORK INPUT_STRATEGY=rolling \
      INPUT_TARGETS=$targets INPUT_REVISION=$1 INPUT_ENVIRONMENT=bench INPUT_HOOKS=$hooks \
      "$SLUICE" __deploy >"$WORK/deploy.out" 2>&1 || { cat "$WORK/deploy.out"; exit 1; }
  }
  deploy_once v0
  for i in $(seq "$N"); do
    local t0 t1
    t0=$(ns)
    for t in $(seq "$T"); do
      for e in $EVENTS; do
        SLUICE_DEPLOY_TARGET=t$t SLUICE_DEPLOY_REVISION=v$i LIFECYCLE_EVENT=$e DEPLOYMENT_ID=d \
          bash -c "$script" </dev/null >/dev/null
      done
    done
    t1=$(ns)
    direct+=($((t1 - t0)))
    t0=$(ns)
    deploy_once "v$i"
    t1=$(ns)
    deployed+=($((t1 - t0)))
  done
  local d s hooks_n=$((T * 6))
  d=$(median "${direct[@]}") s=$(median "${deployed[@]}")
  echo "hook '$script', $T targets x 6 hooks:"
  echo "  direct bash loop:  $(stats "${direct[@]}")"
  echo "  sluice __deploy:   $(stats "${deployed[@]}")"
  awk -v d="$d" -v s="$s" -v h="$hooks_n" -v t="$T" 'BEGIN {
    printf "  ratio %.2fx; overhead %.2f ms per hook, %.1f ms per target (medians)\n",
      s / d, (s - d) / h / 1e6, (s - d) / t / 1e6 }'
}

echo "== orchestration overhead (N=$N)"
overhead true
overhead "sleep 0.02"

echo
echo "== failed check -> traffic back on the old version (N=$N)"
start_app app-blue
start_app app-green
release v1
release v2 5
cp "$DEPLOY_NGINX_STATE/releases/v1" "$DEPLOY_NGINX_STATE/apps/app-green/release"
start_nginx "app-blue 0" "app-green 100"
reload=()
for i in $(seq "$N"); do
  t0=$(ns); "$DEMO_SCRIPTS/render-nginx.sh"; t1=$(ns)
  reload+=($((t1 - t0)))
done
echo "render + nginx -s reload + new worker up: $(stats "${reload[@]}")"
back=() client=()
for i in $(seq "$N"); do
  rm -rf "$WORK/data" "$WORK/traffic" "$WORK/stop"
  # Each round: v1 live on green (a blue-green deployment), then the bad v2 as a canary.
  common=(SLUICE_DATA_DIR=$WORK/data GITHUB_WORKSPACE=$WORK INPUT_ENVIRONMENT=bench
    "INPUT_TARGETS=blue=app-blue,green=app-green"
    "INPUT_HOOKS=Install: $DEMO_SCRIPTS/install.sh
set-traffic: $DEMO_SCRIPTS/set-traffic.sh")
  # No history: blue counts as live, so v1 goes to green, which gets all traffic.
  env "${common[@]}" INPUT_STRATEGY=blue-green INPUT_REVISION=v1 "$SLUICE" __deploy >/dev/null 2>&1
  python3 "$DEMO_TOOLS/traffic.py" "$NGINX_URL" "$WORK/traffic" "$WORK/stop" 30 &
  tp=$!
  env "${common[@]}" INPUT_STRATEGY=canary INPUT_REVISION=v2 \
    "INPUT_STEPS=- set-weight: 20
- analysis: [errors]" \
    "INPUT_CHECKS=- name: errors
  http: http://127.0.0.1:$(app_port app-blue)/
  count: 100
  interval: 20ms
  failure-limit: 0" "$SLUICE" __deploy >"$WORK/canary.out" 2>&1 || true
  sleep 0.3
  touch "$WORK/stop"
  wait "$tp" || true
  db=$WORK/data/sluice.db
  id=$(sqlite3 "$db" "SELECT deployment_id FROM deploy_journal WHERE seq=1 AND detail LIKE '%\"revision\":\"v2\"%' AND detail NOT LIKE '%\"rollback_of\":\"d-%'")
  failed_at=$(sqlite3 "$db" "SELECT min(time_ms) FROM deploy_journal WHERE deployment_id='$id' AND phase='check' AND state='fail'")
  back_at=$(sqlite3 "$db" "SELECT max(time_ms) FROM deploy_journal WHERE phase='traffic' AND state='succeeded' AND deployment_id IN (SELECT deployment_id FROM deploy_journal WHERE seq=1 AND detail LIKE '%\"rollback_of\":\"$id\"%')")
  last_v2=$(awk '$3 == "v2" { t = $1 } END { printf "%d\n", t }' "$WORK/traffic")
  [ "$last_v2" -gt 0 ] || last_v2=$failed_at  # no client request reached v2 at all
  [ -n "$failed_at" ] && [ -n "$back_at" ] || { cat "$WORK/canary.out"; exit 1; }
  back+=($(((back_at - failed_at) * 1000000)))
  gap=$((last_v2 - failed_at)); [ "$gap" -ge 0 ] || gap=0  # the last v2 response came before
  client+=($((gap * 1000000)))
done
echo "failed measurement -> rollback's SetTraffic done: $(stats "${back[@]}")"
echo "failed measurement -> last response from v2 seen by a client: $(stats "${client[@]}")"
