#!/bin/bash
# Writes nginx.conf from $DEPLOY_NGINX_STATE/nginx/upstream ("name port weight" lines;
# weight 0 = down), then, when nginx runs, reloads it and waits until a new worker process
# (one with the new configuration) has started: once this returns, new requests follow the
# new weights.
set -eu
n=$DEPLOY_NGINX_STATE/nginx
{
  echo "worker_processes 1; pid $n/nginx.pid; error_log $n/error.log; daemon off;"
  echo "events { worker_connections 512; }"
  echo "http { access_log off; client_body_temp_path $n/tmp/body; proxy_temp_path $n/tmp/proxy;"
  echo "  fastcgi_temp_path $n/tmp/fcgi; uwsgi_temp_path $n/tmp/uwsgi; scgi_temp_path $n/tmp/scgi;"
  echo "  upstream app {"
  while read -r name port weight; do
    if [ "$weight" -eq 0 ]; then echo "    server 127.0.0.1:$port down;  # $name"
    else echo "    server 127.0.0.1:$port weight=$weight;  # $name"; fi
  done <"$n/upstream"
  echo "  }"
  echo "  server { listen 127.0.0.1:$(cat "$n/port"); location / { proxy_pass http://app; } }"
  echo "}"
} >"$n/conf/nginx.conf.new"
mv "$n/conf/nginx.conf.new" "$n/conf/nginx.conf"
[ -f "$n/nginx.pid" ] || exit 0
master=$(cat "$n/nginx.pid")
before=" $(pgrep -P "$master" | tr '\n' ' ') "
"${NGINX:-nginx}" -p "$n" -c "$n/conf/nginx.conf" -s reload 2>>"$n/error.log"
for _ in $(seq 1 300); do
  for p in $(pgrep -P "$master"); do
    case "$before" in *" $p "*) ;; *) exit 0 ;; esac
  done
  sleep 0.01
done
echo "nginx started no new worker after the reload (see $n/error.log)" >&2
exit 1
