#!/usr/bin/env bash
# Runtime relay (docs/agent-protocol.md, "Runtime services"), a job on the built-in agent
# ("near": straight to the controller's runtime services) against one on a remote agent
# ("far": through the agent's listener and the controller's /runtime/ relay):
#  1. bulk: the real @actions/cache client saves and restores a file of MB MiB of random
#     bytes (default 200): MB/s of each (wall time, tar and zstd included); the peak RSS
#     (VmHWM) of the controller after the near job and after the far one, and of the agent;
#     the CPU time the controller and the agent spent on the far job;
#  2. latency: 200 cache lookups (twirp GetCacheEntryDownloadURL, a miss) with node's fetch,
#     one after the other: ms per call.
# Needs node and tests/runtime/clients/node_modules (npm ci there).
set -euo pipefail
SLUICE=$(realpath "${1:-build/sluice}")  # bench/agent_relay_bench.sh [SLUICE] [MB]
MB=${2:-200}
CLIENTS=$(realpath "$(dirname "$0")/../tests/runtime/clients")
[ -d "$CLIENTS/node_modules/@actions/cache" ] || { echo "run 'npm ci' in $CLIENTS" >&2; exit 2; }
W=$(mktemp -d /tmp/relay.XXXXXX)
trap 'kill $AG $SV 2>/dev/null; wait 2>/dev/null; rm -rf "$W"' EXIT
mkdir -p "$W/app/.github/workflows"
for where in near far; do
  case $where in near) ON=local;; far) ON='[self-hosted, remote]';; esac
  cat >"$W/app/.github/workflows/bulk-$where.yml" <<YAML
on: workflow_dispatch
jobs:
  bulk:
    runs-on: $ON
    steps:
      - run: |
          mkdir -p data && head -c ${MB}M /dev/urandom >data/blob
          t0=\$(date +%s.%N)
          node $CLIENTS/cache.mjs save bulk-\${{ github.run_id }} data
          t1=\$(date +%s.%N)
          rm -rf data && node $CLIENTS/cache.mjs restore bulk-\${{ github.run_id }} data
          t2=\$(date +%s.%N)
          [ "\$(stat -c %s data/blob)" = $((MB << 20)) ]
          awk -v a="\$t0" -v b="\$t1" -v c="\$t2" 'BEGIN { printf "save-MBps %.1f restore-MBps %.1f\n", $MB / (b - a), $MB / (c - b) }'
          rm -rf data
YAML
done
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
hwm() { awk '/VmHWM/ { printf "%.1f MB", $2 / 1024 }' "/proc/$1/status"; }
cpu_ms() { awk -v hz="$(getconf CLK_TCK)" '{ print ($14 + $15) * 1000 / hz }' "/proc/$1/stat"; }
# run WORKFLOW [BODY]: dispatches it and waits for its end (sets RUN and S).
run() {
  RUN=$(curl -s -X POST -H "Authorization: Bearer $A" ${2:+-d "$2"} "$URL/api/v1/projects/app/workflows/$1/dispatch" | python3 -c 'import json,sys; print(json.load(sys.stdin)["run_ids"][0])')
  for _ in $(seq 1500); do S=$(curl -s -H "Authorization: Bearer $A" "$URL/api/v1/runs/$RUN" | python3 -c 'import json,sys; print(json.load(sys.stdin)["run"]["status"])'); case $S in success|failure) break;; esac; sleep 0.2; done
}
log() { curl -s -H "Authorization: Bearer $A" "$URL/api/v1/runs/$RUN/logs/$1"; }

run bulk-near.yml
echo "bulk near ($MB MiB): $S, $(log bulk | grep -o 'save-MBps.*'), controller VmHWM $(hwm $SV)"
C0=$(cpu_ms $SV); A0=$(cpu_ms $AG)
run bulk-far.yml
echo "bulk far ($MB MiB): $S, $(log bulk | grep -o 'save-MBps.*'), controller VmHWM $(hwm $SV), agent VmHWM $(hwm $AG)"
echo "bulk far CPU: controller $(awk -v a="$C0" -v b="$(cpu_ms $SV)" 'BEGIN { print b - a }') ms, agent $(awk -v a="$A0" -v b="$(cpu_ms $AG)" 'BEGIN { print b - a }') ms"
run r.yml
echo "latency run: $S"
for j in near far; do echo "$j: $(log $j | grep -o 'per-call-ms [0-9.]*')"; done
uptime
