#!/bin/bash
# Writes nginx.conf from $DEPLOY_NGINX_STATE/nginx/upstream ("name port weight" lines;
# weight 0 = down), then, when nginx runs, reloads it and waits until only workers with the
# new configuration run: once this returns, every new request follows the new weights.
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
before=$(pgrep -P "$master" | tr '\n' ' ')
"${NGINX:-nginx}" -p "$n" -c "$n/conf/nginx.conf" -s reload 2>>"$n/error.log"
# Done when the workers of the old configuration have exited (they stop accepting at once
# but finish the requests they hold) and a new one runs: from then on every request
# follows the new weights.
for _ in $(seq 1 500); do
  old=0
  for p in $before; do kill -0 "$p" 2>/dev/null && old=1; done
  if [ "$old" = 0 ]; then
    for p in $(pgrep -P "$master"); do
      case " $before " in *" $p "*) ;; *) exit 0 ;; esac
    done
  fi
  sleep 0.01
done
echo "nginx's old workers did not exit within 5 s of the reload (see $n/error.log)" >&2
exit 1
