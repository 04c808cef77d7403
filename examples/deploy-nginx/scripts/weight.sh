#!/bin/bash
# weight.sh W: sets the nginx weight of SLUICE_DEPLOY_TARGET to W (0 takes it out of the
# upstream): BeforeBlockTraffic / AfterAllowTraffic of a rolling deployment. Targets of
# one batch run side by side, hence the lock.
set -eu
n=$DEPLOY_NGINX_STATE/nginx
exec 9>"$n/upstream.lock"
flock 9
awk -v t="$SLUICE_DEPLOY_TARGET" -v w="$1" '$1 == t { $3 = w } { print }' "$n/upstream" >"$n/upstream.new"
mv "$n/upstream.new" "$n/upstream"
"$(dirname "$0")/render-nginx.sh"
