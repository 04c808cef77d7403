#!/usr/bin/env python3
"""Sends requests through nginx until STOP_FILE exists (or MAX_SECONDS pass), one at a
time, and appends one line per request to OUT: "<epoch ms> <status> <version>" (status 0:
no answer). Used by the deploy tests to count responses by version and status.

usage: traffic.py URL OUT STOP_FILE [MAX_SECONDS]
"""
import http.client
import os
import sys
import time
import urllib.parse

url, out, stop = sys.argv[1], sys.argv[2], sys.argv[3]
deadline = time.time() + float(sys.argv[4] if len(sys.argv) > 4 else 50)
u = urllib.parse.urlparse(url)
with open(out, "a", buffering=1) as f:
    while not os.path.exists(stop) and time.time() < deadline:
        status, version = 0, "-"
        try:
            c = http.client.HTTPConnection(u.hostname, u.port, timeout=2)
            c.request("GET", u.path or "/")
            r = c.getresponse()
            body = r.read().decode(errors="replace")
            status = r.status
            if body.startswith("version="):
                version = body.split()[0][len("version="):]
            c.close()
        except Exception:
            pass
        f.write("%d %d %s\n" % (int(time.time() * 1000), status, version))
        time.sleep(0.004)
