#!/bin/bash
# ValidateService: the target's own /health must answer 200 (bash's /dev/tcp: no client to
# start).
port=$(cat "$DEPLOY_NGINX_STATE/apps/$SLUICE_DEPLOY_TARGET/port")
exec 3<>"/dev/tcp/127.0.0.1/$port"
printf 'GET /health HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
read -r status <&3
echo "${status%$'\r'}"
[[ $status == *" 200 "* ]]
