#!/usr/bin/env bash
# Runtime relay latency (docs/agent-protocol.md, "Runtime services"): 200 cache lookups
# (twirp GetCacheEntryDownloadURL, a miss) with node's fetch, one after the other, from a
# job on the built-in agent (direct to the controller's runtime services) and from a job on
# a remote agent (through the agent's listener and the /runtime/ relay). Prints ms per call.
set -euo pipefail
SLUICE=${1:-build/sluice}  # bench/agent_relay_bench.sh [SLUICE]
W=$(mktemp -d /tmp/relay.XXXXXX)
trap 'kill $AG $SV 2>/dev/null; wait 2>/dev/null; rm -rf "$W"' EXIT
mkdir -p "$W/app/.github/workflows"
cat >"$W/app/.github/workflows/r.yml" <<'YAML'
on: workflow_dispatch
jobs:
  near:
    runs-on: local
    steps: &s
      - run: |
          node -e '
            const u = process.env.ACTIONS_RESULTS_URL + "twirp/github.actions.results.api.v1.CacheService/GetCacheEntryDownloadURL";
            const h = {Authorization: "Bearer " + process.env.ACTIONS_RUNTIME_TOKEN, "Content-Type": "application/json"};
            const b = JSON.stringify({key: "x", restore_keys: [], version: "v"});
            (async () => {
              for (let i = 0; i < 10; i++) await fetch(u, {method: "POST", headers: h, body: b});
              const t = performance.now();
              for (let i = 0; i < 200; i++) await fetch(u, {method: "POST", headers: h, body: b});
              console.log("per-call-ms " + ((performance.now() - t) / 200).toFixed(2));
            })()'
  far:
    needs: near
    runs-on: [self-hosted, remote]
    steps: *s
YAML
git -C "$W/app" init -q -b main; git -C "$W/app" -c user.email=t@e -c user.name=t add -A; git -C "$W/app" -c user.email=t@e -c user.name=t commit -qm i
"$SLUICE" serve --listen 127.0.0.1:0 --data-dir "$W/d" --project "app=$W/app" >"$W/s.log" 2>&1 & SV=$!
for _ in $(seq 100); do URL=$(grep -o 'http://127.0.0.1:[0-9]*' "$W/s.log" | head -1) && [ -n "$URL" ] && break; sleep 0.1; done
T=$("$SLUICE" token create --role agent --data-dir "$W/d"); A=$(cat "$W/d/admin.token")
"$SLUICE" agent --server "$URL" --token "$T" --labels remote --work-dir "$W/ag" >"$W/a.log" 2>&1 & AG=$!
sleep 1
RUN=$(curl -s -X POST -H "Authorization: Bearer $A" "$URL/api/v1/projects/app/workflows/r.yml/dispatch" | python3 -c 'import json,sys; print(json.load(sys.stdin)["run_ids"][0])')
for _ in $(seq 300); do S=$(curl -s -H "Authorization: Bearer $A" "$URL/api/v1/runs/$RUN" | python3 -c 'import json,sys; print(json.load(sys.stdin)["run"]["status"])'); case $S in success|failure) break;; esac; sleep 0.2; done
echo "run: $S"
for j in near far; do echo "$j: $(curl -s -H "Authorization: Bearer $A" "$URL/api/v1/runs/$RUN/logs/$j" | grep -o 'per-call-ms [0-9.]*')"; done
uptime
