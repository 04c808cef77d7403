#!/bin/bash
# A command check: one request to the canary (the colour SetTraffic last sent traffic to);
# fails when the canary answers with an error.
colour=$(cat "$DEPLOY_NGINX_STATE/canary")
exec python3 -c 'import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1], timeout=2).read().decode().strip())' \
  "http://127.0.0.1:$(cat "$DEPLOY_NGINX_STATE/apps/app-$colour/port")/"
