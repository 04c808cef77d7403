#!/usr/bin/env python3
"""A webhook receiver for test_run_notifications.sh: listens on 127.0.0.1 (a free port,
printed as "port N" on stdout), answers the first FAIL_FIRST requests with 500, and appends
one JSON line per request to LOG: path, the X-Sluice-* headers, whether the HMAC-SHA256
signature verifies under KEY, and the body."""
import hashlib
import hmac
import http.server
import json
import sys

log_path, key, fail_first = sys.argv[1], sys.argv[2].encode(), int(sys.argv[3])
seen = 0


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        global seen
        seen += 1
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if seen <= fail_first:
            self.send_response(500)
            self.end_headers()
            return
        signature = self.headers.get("X-Sluice-Signature-256", "")
        expected = "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()
        entry = {
            "path": self.path,
            "event": self.headers.get("X-Sluice-Event", ""),
            "delivery": self.headers.get("X-Sluice-Delivery", ""),
            "signed": bool(signature),
            "verified": hmac.compare_digest(signature, expected),
            "body": json.loads(body),
        }
        with open(log_path, "a") as log:
            log.write(json.dumps(entry) + "\n")
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
print("port", server.server_address[1], flush=True)
server.serve_forever()
