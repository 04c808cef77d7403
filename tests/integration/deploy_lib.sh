# Shared set-up for the deploy tests with real parts (sourced after lib.sh). The world is
# examples/deploy-nginx's (tools/env.sh): application instances (tools/app.py, python3 on
# 127.0.0.1), a real nginx in front of them with its own prefix and config, and the
# example's hook scripts, which install releases and rewrite nginx's upstream weights
# (then `nginx -s reload`). A traffic loop (tools/traffic.py) counts responses by version
# and status. Everything is on loopback and is stopped by the EXIT trap.
NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
[ -x "$NGINX" ] || { echo "skip: nginx is not installed (scripts/setup.sh installs it)"; exit 77; }
command -v python3 >/dev/null || { echo "skip: no python3"; exit 77; }
export DEPLOY_NGINX_STATE=$WORK/state
source "$SOURCE_DIR/examples/deploy-nginx/tools/env.sh"
BIN=$DEMO_SCRIPTS APPS=$DEPLOY_NGINX_STATE/apps RELEASES=$DEPLOY_NGINX_STATE/releases
trap 'touch "$WORK/stop-traffic"; stop_demo_env; rm -rf "$WORK"' EXIT
REPO=$WORK/repo DATA=$WORK/data
mkdir -p "$REPO"

# traffic_start NAME / traffic_stop: a traffic loop through nginx writing $WORK/NAME.traffic
# ("<epoch ms> <status> <version>" per request).
traffic_start() {
  TRAFFIC=$WORK/$1.traffic
  rm -f "$WORK/stop-traffic" "$TRAFFIC"
  python3 "$DEMO_TOOLS/traffic.py" "$NGINX_URL" "$TRAFFIC" "$WORK/stop-traffic" 50 &
  TRAFFIC_PID=$!
  DEMO_PIDS+=($TRAFFIC_PID)
  for _ in $(seq 1 100); do [ -s "$TRAFFIC" ] && return 0; sleep 0.02; done
}
traffic_stop() {
  touch "$WORK/stop-traffic"
  wait "$TRAFFIC_PID" 2>/dev/null || true
}
# count STATUS [VERSION]: responses in $TRAFFIC with that status (and version).
count() { awk -v s="$1" -v v="${2:-}" '$2 == s && (v == "" || $3 == v)' "$TRAFFIC" | wc -l; }
total() { wc -l <"$TRAFFIC"; }
failed() { awk '$2 != 200' "$TRAFFIC" | wc -l; }
# tail_versions N: the distinct "status version" of the last N responses.
tail_versions() { tail -n "$1" "$TRAFFIC" | awk '{ print $2, $3 }' | sort -u | tr '\n' ';'; }

# deploy_workflow <<WITH: the workflow of the next run: one job, one sluice/deploy@v1 step
# whose `with:` is stdin (written without indentation).
deploy_workflow() {
  mkdir -p "$REPO/.github/workflows"
  {
    printf 'name: deploy\non: push\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n'
    printf '    steps:\n      - uses: sluice/deploy@v1\n        with:\n'
    sed 's/^/          /'
  } >"$REPO/.github/workflows/deploy.yml"
}
# deploy_run: sluice run; $OUT also holds the job's log.
deploy_run() {
  sluice_run
  OUT+=$'\n'"$(job_log deploy)"
}
jdb() { sqlite3 "$DATA/sluice.db" "$@"; }
