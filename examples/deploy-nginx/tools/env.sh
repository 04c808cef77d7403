# The demo's world, sourced by run.sh and by sluice's deploy tests: application instances
# (tools/app.py) and a real nginx in front of them, all on 127.0.0.1, all state under
# $DEPLOY_NGINX_STATE:
#   apps/NAME/{port,release,features/}   one instance; `release` is what is installed
#   releases/REVISION                    what installing REVISION copies to a target
#   nginx/{port,upstream,conf/,nginx.pid} nginx; `upstream` holds "name port weight" lines
# Call stop_demo_env (e.g. from an EXIT trap) to stop what start_* started.
: "${DEPLOY_NGINX_STATE:?set DEPLOY_NGINX_STATE to a scratch directory}"
export DEPLOY_NGINX_STATE
DEMO_TOOLS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DEMO_SCRIPTS=$(cd "$DEMO_TOOLS/../scripts" && pwd)
NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
export NGINX
DEMO_PIDS=()
mkdir -p "$DEPLOY_NGINX_STATE"/{apps,releases,nginx/conf,nginx/tmp}

stop_demo_env() {  # safe under `set -e`: what already ended is fine
  local pid_file=$DEPLOY_NGINX_STATE/nginx/nginx.pid
  if [ -f "$pid_file" ]; then kill "$(cat "$pid_file")" 2>/dev/null || true; fi
  for p in "${DEMO_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}

# start_app NAME [FEATURE...]: an instance on a free port (its /health needs FEATUREs that a
# release names).
start_app() {
  local dir=$DEPLOY_NGINX_STATE/apps/$1
  mkdir -p "$dir/features"
  shift
  for f in "$@"; do touch "$dir/features/$f"; done
  python3 "$DEMO_TOOLS/app.py" "$dir" >"$dir/log" 2>&1 &
  DEMO_PIDS+=($!)
  for _ in $(seq 1 100); do [ -f "$dir/port" ] && return 0; sleep 0.05; done
  echo "app $dir did not start: $(cat "$dir/log")" >&2
  return 1
}
app_port() { cat "$DEPLOY_NGINX_STATE/apps/$1/port"; }

# release REVISION [ERROR_EVERY [NEEDS]]: every ERROR_EVERY-th request fails; NEEDS is a
# feature the target must have for /health to pass.
release() {
  printf 'version=%s\nerror_every=%s\nneeds=%s\n' "$1" "${2:-0}" "${3:-}" \
    >"$DEPLOY_NGINX_STATE/releases/$1"
}

# start_nginx "NAME WEIGHT"...: nginx on a free port in front of the named instances.
start_nginx() {
  local n=$DEPLOY_NGINX_STATE/nginx line
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' >"$n/port"
  NGINX_URL=http://127.0.0.1:$(cat "$n/port")/
  : >"$n/upstream"
  for line in "$@"; do
    set -- $line
    echo "$1 $(app_port "$1") $2" >>"$n/upstream"
  done
  "$DEMO_SCRIPTS/render-nginx.sh"
  "$NGINX" -p "$n" -c "$n/conf/nginx.conf" 2>>"$n/error.log" &
  DEMO_PIDS+=($!)
  for _ in $(seq 1 100); do
    python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=1)' \
      "$NGINX_URL" 2>/dev/null && return 0
    sleep 0.05
  done
  echo "nginx did not start: $(cat "$n/error.log")" >&2
  return 1
}

# served N: "count version" lines for N requests through nginx (a quick look at the traffic).
served() {
  python3 - "$NGINX_URL" "${1:-100}" <<'PY'
import collections, sys, urllib.request, urllib.error
seen = collections.Counter()
for _ in range(int(sys.argv[2])):
    try:
        body = urllib.request.urlopen(sys.argv[1], timeout=2).read().decode()
        seen[body.split()[0]] += 1
    except urllib.error.HTTPError as e:
        seen["HTTP %d" % e.code] += 1
for k, v in sorted(seen.items()):
    print("  %4d %s" % (v, k))
PY
}
