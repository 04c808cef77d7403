#!/usr/bin/env python3
"""A small client of the sluice controller's API for the integration tests (no curl or jq
needed). The base URL comes from $SLUICE_URL, the token from --token or $SLUICE_TOKEN.

  sluice_api.py request METHOD PATH [--body JSON] [--header K:V]...   prints STATUS, then the body
  sluice_api.py field PATH.TO.FIELD < json                            prints one field
  sluice_api.py wait-run ID [--timeout S]                             prints the final status
  sluice_api.py sse PATH [--last-event-id N] [--until-end]            prints id/data pairs
"""
import argparse
import http.client
import json
import os
import sys
import time
import urllib.parse


def connect():
    url = urllib.parse.urlparse(os.environ["SLUICE_URL"])
    return http.client.HTTPConnection(url.hostname, url.port, timeout=30)


def request(method, path, token, body=None, headers=()):
    conn = connect()
    h = {}
    if token:
        h["Authorization"] = "Bearer " + token
    for item in headers:
        k, v = item.split(":", 1)
        h[k.strip()] = v.strip()
    if body is not None:
        h["Content-Type"] = "application/json"
    conn.request(method, path, body=body, headers=h)
    resp = conn.getresponse()
    data = resp.read().decode("utf-8", "replace")
    conn.close()
    return resp.status, data


def field(doc, path):
    for part in path.split("."):
        if isinstance(doc, list):
            doc = doc[int(part)]
        else:
            doc = doc.get(part) if isinstance(doc, dict) else None
    return doc


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--token", default=os.environ.get("SLUICE_TOKEN", ""))
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("request")
    r.add_argument("method")
    r.add_argument("path")
    r.add_argument("--body")
    r.add_argument("--header", action="append", default=[])
    f = sub.add_parser("field")
    f.add_argument("path")
    w = sub.add_parser("wait-run")
    w.add_argument("id")
    w.add_argument("--timeout", type=float, default=60)
    s = sub.add_parser("sse")
    s.add_argument("path")
    s.add_argument("--last-event-id")
    a = p.parse_args()

    if a.cmd == "request":
        status, data = request(a.method, a.path, a.token, a.body, a.header)
        print(status)
        print(data)
    elif a.cmd == "field":
        value = field(json.load(sys.stdin), a.path)
        print(json.dumps(value) if isinstance(value, (dict, list)) else ("" if value is None else value))
    elif a.cmd == "wait-run":
        deadline = time.time() + a.timeout
        terminal = {"success", "failure", "cancelled", "timed_out", "skipped", "interrupted"}
        status = ""
        while time.time() < deadline:
            code, data = request("GET", "/api/v1/runs/" + a.id, a.token)
            if code == 200:
                status = json.loads(data)["run"]["status"]
                if status in terminal:
                    print(status)
                    return 0
            time.sleep(0.2)
        print("timeout:" + status)
        return 1
    elif a.cmd == "sse":
        conn = connect()
        h = {"Authorization": "Bearer " + a.token, "Accept": "text/event-stream"}
        if a.last_event_id:
            h["Last-Event-ID"] = a.last_event_id
        conn.request("GET", a.path, headers=h)
        resp = conn.getresponse()
        print("status", resp.status, resp.getheader("Content-Type"))
        for raw in resp:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            if line:
                print(line)
        conn.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
