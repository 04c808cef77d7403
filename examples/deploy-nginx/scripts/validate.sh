#!/bin/bash
# ValidateService: the target's own /health must answer 200.
exec python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2); print("healthy")' \
  "http://127.0.0.1:$(cat "$DEPLOY_NGINX_STATE/apps/$SLUICE_DEPLOY_TARGET/port")/health"
