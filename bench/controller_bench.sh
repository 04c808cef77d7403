#!/usr/bin/env bash
# The controller's costs (issue 10 §8), on loopback, against `sluice serve` with its built-in
# executors:
#   - idle RSS right after start, and after 10,000 runs are in the history;
#   - dispatch throughput of trivial one-step runs through the API, as runs/s against the
#     machine's process-spawn ceiling (cores ÷ CPU seconds of one `bash --noprofile --norc -c
#     true`), and the controller's CPU time per dispatched run;
#   - dispatch-to-first-step latency (from the API's answer to the first step's start), p50/p99;
#   - concurrent SSE log streams on one controller: how many receive every line.
#
# Usage: bench/controller_bench.sh [BUILD_DIR] [RUNS] [STREAMS]   (defaults: build, 200, 500)
# Status: written 2026-12-03 against the API in docs/api.md; not yet run (no figures recorded).
# Needs curl, python3 and node (for the streams). Bounded: every wait has a deadline, and the
# controller is stopped at exit.
set -euo pipefail
build=${1:-build}
runs=${2:-200}
streams=${3:-500}
sluice=$(cd "$build" && pwd)/sluice
work=$(mktemp -d)
server_pid=""
stop_server() {
  [ -z "$server_pid" ] && return 0
  kill -TERM "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}
trap 'stop_server; rm -rf "$work"' EXIT

repo=$work/repo
mkdir -p "$repo/.github/workflows"
cat >"$repo/.github/workflows/one.yml" <<'EOF'
on: workflow_dispatch
jobs:
  one:
    runs-on: local
    steps:
      - run: 'true'
EOF
cat >"$repo/.github/workflows/talk.yml" <<'EOF'
on: workflow_dispatch
jobs:
  talk:
    runs-on: local
    steps:
      - run: for i in $(seq 1 40); do echo "line $i"; sleep 0.25; done
EOF
git_() { GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null git -C "$repo" -c user.name=bench -c user.email=bench@example.com "$@"; }
git_ init -q -b main
git_ add -A
git_ commit -q -m "bench workflows"

data=$work/data
port=$((20000 + RANDOM % 20000))
base=http://127.0.0.1:$port
start_server() {
  "$sluice" serve --listen "127.0.0.1:$port" --data-dir "$data" --project "demo=$repo" \
    --executors "${EXECUTORS:-4}" >>"$work/serve.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 200); do
    curl -sf "$base/healthz" >/dev/null 2>&1 && return 0
    sleep 0.05
  done
  echo "the controller did not start: $(tail -5 "$work/serve.log")" >&2
  exit 1
}
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$server_pid/status"; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$server_pid/stat"; }
api() {  # api METHOD PATH [BODY]
  curl -sf -X "$1" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    ${3:+--data "$3"} "$base/api/v1$2"
}
wait_finished() {  # wait_finished RUN_ID...: until every run has a final status (120 s at most)
  local deadline=$((SECONDS + 120)) id status
  for id in "$@"; do
    while :; do
      status=$(api GET "/runs/$id" | python3 -c 'import json,sys; print(json.load(sys.stdin)["run"]["status"])')
      case $status in success | failure | cancelled | interrupted) break ;; esac
      [ $SECONDS -lt $deadline ] || { echo "run $id did not finish" >&2; exit 1; }
      sleep 0.05
    done
  done
}

start_server
token=$(cat "$data/admin.token")
sleep 1
idle_rss=$(rss_kb)

# Warm-up (the first run clones the repository into the controller's mirror).
first=$(api POST /projects/demo/workflows/one.yml/dispatch '{"ref":"main"}' |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["run_ids"][0])')
wait_finished "$first"

# Throughput and latency: dispatch RUNS runs as fast as the API answers, then wait for all.
hz=$(getconf CLK_TCK)
cpu0=$(cpu_ticks)
t0=$(date +%s%N)
ids=()
for _ in $(seq "$runs"); do
  ids+=("$(api POST /projects/demo/workflows/one.yml/dispatch '{"ref":"main"}' |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["run_ids"][0])')")
done
wait_finished "${ids[@]}"
t1=$(date +%s%N)
cpu1=$(cpu_ticks)
busy_rss=$(rss_kb)
for id in "${ids[@]}"; do api GET "/runs/$id"; echo; done >"$work/details.jsonl"

# The spawn ceiling: CPU seconds of one bash, from 200 of them.
ceiling=$(python3 - <<'EOF'
import os, resource, subprocess
n = 200
before = resource.getrusage(resource.RUSAGE_CHILDREN)
for _ in range(n):
    subprocess.run(["bash", "--noprofile", "--norc", "-c", "true"])
after = resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) / n
print(f"{os.cpu_count() / cpu:.0f}")
EOF
)

# Concurrent SSE streams on one talking run.
talk=$(api POST /projects/demo/workflows/talk.yml/dispatch '{"ref":"main"}' |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["run_ids"][0])')
sleep 0.5
stream_result=$(node - "$base/api/v1/runs/$talk/logs/talk/1/stream" "$token" "$streams" <<'EOF'
const http = require("http");
const [url, token, count] = process.argv.slice(2);
let complete = 0, failed = 0, done = 0;
const finish = () => { if (++done === +count) { console.log(`${complete} ${failed}`); process.exit(0); } };
for (let i = 0; i < +count; i++) {
  const req = http.get(url, { headers: { Authorization: `Bearer ${token}` }, agent: false }, (res) => {
    if (res.statusCode !== 200) { failed++; res.resume(); return finish(); }
    let text = "";
    res.on("data", (d) => { text += d; });
    res.on("end", () => { (text.includes("line 40") ? complete++ : failed++); finish(); });
  });
  req.on("error", () => { failed++; finish(); });
}
setTimeout(() => { console.log(`${complete} ${failed} (timed out)`); process.exit(0); }, 60000);
EOF
)
stream_rss=$(rss_kb)
wait_finished "$talk"
stop_server

# 10,000 runs in the history: copies of the finished runs' rows, then a fresh start.
python3 - "$data" <<'EOF'
import sqlite3, sys
db = sqlite3.connect(f"{sys.argv[1]}/sluice.db")
cols = lambda t: [r[1] for r in db.execute(f"PRAGMA table_info({t})")]
have = db.execute("SELECT count(*) FROM runs").fetchone()[0]
top = db.execute("SELECT max(id) FROM runs").fetchone()[0]
source = db.execute("SELECT id FROM runs ORDER BY id LIMIT 1").fetchone()[0]
run_cols = [c for c in cols("runs") if c != "id"]
for k in range(10000 - have):
    new_id = top + 1 + k
    db.execute(f"INSERT INTO runs (id, {', '.join(run_cols)}) SELECT ?, {', '.join(run_cols)} FROM runs WHERE id = ?",
               (new_id, source))
    for table in ("jobs", "steps", "attempts"):
        c = [x for x in cols(table) if x != "run_id" and x != "id"]
        db.execute(f"INSERT INTO {table} (run_id, {', '.join(c)}) SELECT ?, {', '.join(c)} FROM {table} WHERE run_id = ?",
                   (new_id, source))
db.commit()
print(db.execute("SELECT count(*) FROM runs").fetchone()[0], file=sys.stderr)
EOF
start_server
sleep 1
t_list=$( { /usr/bin/time -f %e curl -sf -H "Authorization: Bearer $token" "$base/api/v1/runs?limit=50" >/dev/null; } 2>&1)
history_rss=$(rss_kb)
stop_server

python3 - "$work/details.jsonl" "$runs" "$t0" "$t1" "$cpu0" "$cpu1" "$hz" "$ceiling" \
  "$idle_rss" "$busy_rss" "$history_rss" "$stream_rss" "$streams" "$stream_result" "$t_list" <<'EOF'
import json, sys
(path, runs, t0, t1, cpu0, cpu1, hz, ceiling, idle, busy, history, srss, streams, sres,
 t_list) = sys.argv[1:]
runs = int(runs)
wall = (int(t1) - int(t0)) / 1e9
cpu_ms = (int(cpu1) - int(cpu0)) * 1000 / int(hz)
lat = []
for line in open(path):
    d = json.loads(line)
    starts = [a["started_ms"] for j in d["jobs"] for s in j.get("steps", [])
              for a in s.get("attempts", []) if a.get("started_ms")]
    if starts:
        lat.append(min(starts) - d["run"]["created_ms"])
lat.sort()
pct = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))]
rate = runs / wall
print("| figure | value | goal |")
print("| --- | ---: | --- |")
print(f"| dispatch throughput ({runs} one-step runs, API to final status) | {rate:.1f} runs/s = {100 * rate / int(ceiling):.1f} % of the spawn ceiling ({ceiling}/s) | ≥ 80 % |")
print(f"| controller CPU per dispatched run | {cpu_ms / runs:.2f} ms | ≤ 1 ms |")
print(f"| dispatch (run created) to first step start, p50 / p99 | {pct(0.5)} / {pct(0.99)} ms | p50 < 20 ms |")
print(f"| idle RSS after start | {int(idle) / 1024:.1f} MB | < 30 MB |")
print(f"| RSS after the {runs} runs | {int(busy) / 1024:.1f} MB | |")
print(f"| RSS idle with 10,000 runs in the history; `GET /runs?limit=50` | {int(history) / 1024:.1f} MB; {float(t_list) * 1000:.0f} ms | |")
print(f"| {streams} concurrent SSE streams of one step's log: complete / failed | {sres}; RSS {int(srss) / 1024:.1f} MB | all complete |")
EOF
