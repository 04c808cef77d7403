#!/usr/bin/env python3
"""A tiny application instance for the deploy tests: serves GET / with the version of the
release installed in its directory (APP_DIR/release, re-read on every request, so that an
Install hook that copies a release there is a deployment) and fails a share of requests
when the release says so. GET /health answers 503 when the release needs a feature that
this instance lacks (APP_DIR/features/NAME), which is how a ValidateService hook fails.

usage: app.py APP_DIR  (binds 127.0.0.1 on a free port and writes it to APP_DIR/port)
"""
import http.server
import os
import sys
import threading

APP_DIR = sys.argv[1]
lock = threading.Lock()
counter = [0]


def release():
    values = {"version": "none", "error_every": "0", "needs": ""}
    try:
        with open(os.path.join(APP_DIR, "release")) as f:
            for line in f:
                if "=" in line:
                    k, v = line.strip().split("=", 1)
                    values[k] = v
    except OSError:
        pass
    return values


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        r = release()
        if self.path == "/health":
            need = r["needs"]
            ok = not need or os.path.exists(os.path.join(APP_DIR, "features", need))
            self.reply(200 if ok else 503, "ok\n" if ok else "missing feature %s\n" % need)
            return
        every = int(r["error_every"])
        with lock:
            counter[0] += 1
            n = counter[0]
        if every and n % every == 0:
            self.reply(500, "version=%s error\n" % r["version"])
        else:
            self.reply(200, "version=%s\n" % r["version"])


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(os.path.join(APP_DIR, "port.tmp"), "w") as f:
    f.write(str(server.server_address[1]))
os.rename(os.path.join(APP_DIR, "port.tmp"), os.path.join(APP_DIR, "port"))
server.serve_forever()
