#!/bin/bash
# sluice's SetTraffic hook for blue-green and canary: SLUICE_DEPLOY_WEIGHT percent of the
# requests to the instances of SLUICE_DEPLOY_COLOUR (app-blue or app-green), the rest to
# the other colour.
set -eu
n=$DEPLOY_NGINX_STATE/nginx
w=$SLUICE_DEPLOY_WEIGHT
if [ "$SLUICE_DEPLOY_COLOUR" = blue ]; then blue=$w; else blue=$((100 - w)); fi
apps=$DEPLOY_NGINX_STATE/apps
printf 'app-blue %s %s\napp-green %s %s\n' "$(cat "$apps/app-blue/port")" "$blue" \
  "$(cat "$apps/app-green/port")" "$((100 - blue))" >"$n/upstream.new"
mv "$n/upstream.new" "$n/upstream"
echo "$SLUICE_DEPLOY_COLOUR" >"$DEPLOY_NGINX_STATE/canary"
echo "nginx: blue ${blue}%, green $((100 - blue))%"
exec "$(dirname "$0")/render-nginx.sh"
