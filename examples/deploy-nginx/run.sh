#!/usr/bin/env bash
# Runs the demo: two instances and nginx on 127.0.0.1, then three deployments with
# `sluice run`: v1 blue/green, v2 canary (promoted), v3-bad canary (its check fails, traffic
# goes back to v2). Prints what nginx serves after each and `sluice deploy status`.
# usage: examples/deploy-nginx/run.sh [--stay] [SLUICE_BINARY]   (default: build/sluice)
# --stay: keep the instances and nginx running afterwards (until Ctrl-C) to deploy by hand.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
STAY=0
[ "${1:-}" = --stay ] && STAY=1 && shift
SLUICE=$(realpath "${1:-$HERE/../../build/sluice}")
export DEPLOY_NGINX_STATE=$(mktemp -d "${TMPDIR:-/tmp}/deploy-nginx.XXXXXX")
source "$HERE/tools/env.sh"
trap 'stop_demo_env; rm -rf "$DEPLOY_NGINX_STATE"' EXIT
DATA=$DEPLOY_NGINX_STATE/sluice-data

start_app app-blue
start_app app-green
release v0
cp "$DEPLOY_NGINX_STATE/releases/v0" "$DEPLOY_NGINX_STATE/apps/app-blue/release"
start_nginx "app-blue 100" "app-green 0"
echo "nginx on $NGINX_URL serves:"
served 20

deploy() {  # deploy REVISION STRATEGY
  echo
  echo "=== $2 deployment of $1"
  "$SLUICE" run "$HERE" --data-dir "$DATA" --event workflow_dispatch \
    --input revision="$1" --input strategy="$2" || echo "(the run failed: see above)"
  echo "nginx now serves:"
  served 50
}
deploy v1 blue-green
deploy v2 canary
deploy v3-bad canary
echo
"$SLUICE" deploy status --data-dir "$DATA"
if [ "$STAY" = 1 ]; then
  echo
  echo "nginx: $NGINX_URL; to deploy by hand from another shell:"
  echo "  DEPLOY_NGINX_STATE=$DEPLOY_NGINX_STATE $SLUICE run $HERE --data-dir $DATA \\"
  echo "    --event workflow_dispatch --input revision=v2 --input strategy=canary"
  echo "  $SLUICE deploy promote RUN --data-dir $DATA   # or abort"
  echo "Ctrl-C stops everything."
  while sleep 3600; do :; done
fi
