#!/bin/bash
# A command check: one request to the canary (the colour SetTraffic last sent traffic to);
# fails when the canary answers with an error.
colour=$(cat "$DEPLOY_NGINX_STATE/canary")
port=$(cat "$DEPLOY_NGINX_STATE/apps/app-$colour/port")
exec 3<>"/dev/tcp/127.0.0.1/$port"
printf 'GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
read -r status <&3
echo "${status%$'\r'}"
[[ $status == *" 200 "* ]]
