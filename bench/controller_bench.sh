#!/usr/bin/env bash
# The controller's costs (issue 10 §8), on loopback: `sluice serve` and AGENTS `sluice agent`
# processes with EXECUTORS executors each (default 8 × 4); the jobs ask for a label only the
# remote agents have, so every job goes through the agent protocol.
#
#   1. throughput: RUNS runs of a workflow with a matrix of JOBS trivial one-step jobs
#      (`run: 'true'`), dispatched through the API at once: jobs/s from the first dispatch
#      to the last run's end, against the machine's process-spawn ceiling (cores ÷ CPU
#      seconds of one `bash --noprofile --norc -c true`), and the controller's CPU time per
#      job (its own threads; and with the processes it waited for: git checkouts);
#   2. one-step runs dispatched through the API as fast as it answers (ONE_STEP_RUNS, from
#      one client process: a curl and a python per dispatch would be what is measured):
#      runs/s and controller CPU per run (a run adds a checkout, a thread, a plan);
#   3. dispatch-to-first-step latency: LATENCY_RUNS one-step runs one after the other, from
#      the run's creation (the dispatch) to its step's start, p50/p99; and a job's wait on a
#      warm run (from the run's start to the job's start) on the matrix runs;
#   4. controller RSS idle after start, after the runs, with 10,000 runs in the history;
#   5. STREAMS concurrent SSE log streams of one step running on an agent: how many get
#      every line.
#
# Usage: bench/controller_bench.sh [BUILD_DIR]
#   env: AGENTS=8 EXECUTORS=4 RUNS=10 JOBS=50 ONE_STEP_RUNS=100 LATENCY_RUNS=50 STREAMS=500
#        AGENT_WORK_ROOT=DIR (the agents' --work-dir parent; default the bench's temp dir)
#        PHASES="matrix onestep latency streams history" (a subset runs only those; the
#          controller's CPU per job / per run is phases 1 and 2: PHASES="matrix onestep")
#        CONTROLLER_PERF=FILE: `perf record --call-graph dwarf` of the controller during
#          phases 1 and 2 into FILE (needs linux-perf; the CPU figures then include perf's cost)
# Needs curl, python3, node (the streams), sqlite3 (python module). Bounded: every wait has
# a deadline; the controller and the agents are stopped at exit. ~2–4 minutes on 2 cores.
set -euo pipefail
build=${1:-build}
agents=${AGENTS:-8}
executors=${EXECUTORS:-4}
runs=${RUNS:-10}
jobs=${JOBS:-50}
one_step_runs=${ONE_STEP_RUNS:-100}
latency_runs=${LATENCY_RUNS:-50}
streams=${STREAMS:-500}
phases=" ${PHASES:-matrix onestep latency streams history} "
phase() { [[ $phases == *" $1 "* ]]; }
perf_pid=""
sluice=$(cd "$build" && pwd)/sluice
work=$(mktemp -d)
# Where the agents keep their jobs' directories (AGENT_WORK_ROOT=/dev/shm: tmpfs).
agent_root=$(mktemp -d "${AGENT_WORK_ROOT:-$work}/sluice-agents.XXXXXX")
server_pid=""
agent_pids=()
stop_agents() {
  for p in "${agent_pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${agent_pids[@]}"; do wait "$p" 2>/dev/null || true; done
  agent_pids=()
}
stop_server() {
  [ -z "$server_pid" ] && return 0
  kill -TERM "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}
stop_perf() {
  [ -z "$perf_pid" ] && return 0
  kill -INT "$perf_pid" 2>/dev/null || true
  wait "$perf_pid" 2>/dev/null || true
  perf_pid=""
}
trap 'stop_perf; stop_agents; stop_server; rm -rf "$work" "$agent_root"' EXIT

repo=$work/repo
mkdir -p "$repo/.github/workflows"
python3 - "$repo/.github/workflows/many.yml" "$jobs" <<'EOF'
import sys
path, n = sys.argv[1], int(sys.argv[2])
open(path, "w").write(f"""on: workflow_dispatch
jobs:
  one:
    runs-on: [self-hosted, bench]
    strategy:
      matrix:
        i: [{", ".join(str(i) for i in range(n))}]
    steps:
      - run: 'true'
""")
EOF
cat >"$repo/.github/workflows/one.yml" <<'EOF'
on: workflow_dispatch
jobs:
  one:
    runs-on: [self-hosted, bench]
    steps:
      - run: 'true'
EOF
cat >"$repo/.github/workflows/clock.yml" <<'EOF'
on: workflow_dispatch
jobs:
  one:
    runs-on: [self-hosted, bench]
    steps:
      # The step's start as bash sees it (EPOCHREALTIME, in µs; the client reads its first 13
      # digits, ms): a `date` process would add a process start to what is measured.
      - run: echo "${EPOCHREALTIME/./}"
EOF
cat >"$repo/.github/workflows/talk.yml" <<'EOF'
on: workflow_dispatch
jobs:
  talk:
    runs-on: [self-hosted, bench]
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
  # The controller's request log (one JSON line per request) goes to a file, as in service.
  "$sluice" serve --listen "127.0.0.1:$port" --data-dir "$data" --project "demo=$repo" \
    --executors 1 >>"$work/serve.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 200); do
    curl -sf "$base/healthz" >/dev/null 2>&1 && return 0
    sleep 0.05
  done
  echo "the controller did not start: $(tail -5 "$work/serve.log")" >&2
  exit 1
}
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$server_pid/status"; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$server_pid/stat"; }       # its own threads
agents_ticks() {  # the agents' CPU, with their step processes (waited children)
  local t=0 p
  for p in "${agent_pids[@]}"; do t=$((t + $(awk '{print $14 + $15 + $16 + $17}' "/proc/$p/stat"))); done
  echo "$t"
}
cpu_all_ticks() { awk '{print $14 + $15 + $16 + $17}' "/proc/$server_pid/stat"; } # + children
api() {  # api METHOD PATH [BODY]
  curl -sf -X "$1" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    ${3:+--data "$3"} "$base/api/v1$2"
}
dispatch() {  # dispatch WORKFLOW: prints the run id; appends the request's seconds to $work/answered.txt
  # curl alone while the request is in flight (a python starting beside it would compete with
  # the controller for the 2 cores); the answer is parsed afterwards.
  curl -sf -X POST -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    --data '{"ref":"main"}' -o "$work/dispatch.json" -w '%{time_total}\n' \
    "$base/api/v1/projects/demo/workflows/$1/dispatch" >>"$work/answered.txt"
  python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["run_ids"][0])' "$work/dispatch.json"
}
dispatch_many() {  # dispatch_many WORKFLOW N: N dispatches from one client process, one id a line
  python3 - "$base" "$token" "$1" "$2" <<'EOF'
import json, sys, urllib.request
base, token, workflow, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
for _ in range(n):
    req = urllib.request.Request(f"{base}/api/v1/projects/demo/workflows/{workflow}/dispatch",
                                 data=b'{"ref":"main"}', method="POST",
                                 headers={"Authorization": f"Bearer {token}",
                                          "Content-Type": "application/json"})
    print(json.load(urllib.request.urlopen(req))["run_ids"][0])
EOF
}
wait_finished() {  # wait_finished RUN_ID...: until every run has a final status (240 s at most)
  python3 - "$base" "$token" "$@" <<'EOF'
import json, sys, time, urllib.request
base, token, ids = sys.argv[1], sys.argv[2], sys.argv[3:]
deadline = time.time() + 240
for i in ids:
    while True:
        req = urllib.request.Request(f"{base}/api/v1/runs/{i}", headers={"Authorization": f"Bearer {token}"})
        status = json.load(urllib.request.urlopen(req))["run"]["status"]
        if status in ("success", "failure", "cancelled", "interrupted", "timed_out"):
            if status != "success":
                sys.exit(f"run {i} ended {status}")
            break
        if time.time() > deadline:
            sys.exit(f"run {i} did not finish")
        # As often as `sluice logs -f` polls a run it follows (500 ms), not more: each poll
        # loads the run's whole detail, on the controller's CPU that the bench measures (the
        # phases' end comes from the runs' own finished_ms, not from when a poll saw it).
        time.sleep(0.5)
EOF
}
details() {  # details FILE RUN_ID...: the runs' detail JSON, one per line
  python3 - "$base" "$token" "${@:2}" >"$1" <<'EOF'
import json, sys, urllib.request
base, token, ids = sys.argv[1], sys.argv[2], sys.argv[3:]
for i in ids:
    req = urllib.request.Request(f"{base}/api/v1/runs/{i}", headers={"Authorization": f"Bearer {token}"})
    print(json.dumps(json.load(urllib.request.urlopen(req))))
EOF
}

start_server
token=$(cat "$data/admin.token")
sleep 1
idle_rss=$(rss_kb)
agent_token=$("$sluice" token create --role agent --data-dir "$data")
for i in $(seq "$agents"); do
  "$sluice" agent --server "$base" --token "$agent_token" --labels bench --executors "$executors" \
    --name "bench-$i" --work-dir "$agent_root/agent-$i" >"$work/agent-$i.log" 2>&1 &
  agent_pids+=($!)
done
for _ in $(seq 100); do
  [ "$(api GET /agents | grep -o '"id":"a-' | wc -l)" -ge "$agents" ] && break
  sleep 0.1
done
agents_rss=$(rss_kb)

# Warm-up (the first run clones the repository into the controller's mirror).
wait_finished "$(dispatch one.yml)"

hz=$(getconf CLK_TCK)
if [ -n "${CONTROLLER_PERF:-}" ]; then
  perf record -q --call-graph dwarf,16384 -F 499 -p "$server_pid" -o "$CONTROLLER_PERF" \
    2>>"$work/perf.log" &
  perf_pid=$!
  sleep 1
fi
# 1. Matrix runs: RUNS × JOBS one-step jobs.
matrix="" agents_cpu=0
if phase matrix; then
  cpu0=$(cpu_ticks) all0=$(cpu_all_ticks) ag0=$(agents_ticks) t0=$(date +%s%N)
  ids=()
  mapfile -t ids < <(dispatch_many many.yml "$runs")
  wait_finished "${ids[@]}"
  t1=$(date +%s%N) cpu1=$(cpu_ticks) all1=$(cpu_all_ticks) ag1=$(agents_ticks)
  details "$work/matrix.jsonl" "${ids[@]}"
  matrix="$t0 $t1 $cpu0 $cpu1 $all0 $all1"
  agents_cpu=$((ag1 - ag0))
fi

# 2. One-step runs as fast as the API answers.
onestep=""
if phase onestep; then
  cpu0=$(cpu_ticks) all0=$(cpu_all_ticks) t0=$(date +%s%N)
  ids=()
  mapfile -t ids < <(dispatch_many one.yml "$one_step_runs")
  wait_finished "${ids[@]}"
  t1=$(date +%s%N) cpu1=$(cpu_ticks) all1=$(cpu_all_ticks)
  details "$work/onestep.jsonl" "${ids[@]}"
  onestep="$t0 $t1 $cpu0 $cpu1 $all0 $all1"
fi
stop_perf
busy_rss=$(rss_kb)

# 3. Latency: one run at a time.
# The step prints the time it started (its process, on the agent); the client notes the time
# just before it sends the dispatch. One client process for all the runs: a `date`, a `curl`
# and a python started per run cost ~10–30 ms each on a machine with slow process starts
# (counted in the latency when they start before the request, competing with the step for
# the 2 cores after it). The client leaves the machine alone for 0.5 s after each dispatch.
ids=()
: >"$work/latency.txt"
: >"$work/answered.txt"
: >"$work/latency.jsonl"
if phase latency && [ "$latency_runs" -gt 0 ]; then
  mapfile -t ids < <(python3 - "$base" "$token" "$latency_runs" "$work" <<'EOF'
import json, re, sys, time, urllib.request
base, token, n, work = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
def call(path, data=None):
    req = urllib.request.Request(base + path, data=data, method="POST" if data else "GET",
                                 headers={"Authorization": f"Bearer {token}",
                                          "Content-Type": "application/json"})
    return urllib.request.urlopen(req).read().decode()
with open(f"{work}/latency.txt", "a") as lat, open(f"{work}/answered.txt", "a") as ans:
    for _ in range(n):
        time.sleep(0.2)
        sent = time.time()
        run = json.loads(call("/api/v1/projects/demo/workflows/clock.yml/dispatch", b'{"ref":"main"}'))["run_ids"][0]
        ans.write(f"{time.time() - sent:.6f}\n")
        time.sleep(0.5)
        deadline = time.time() + 60
        while json.loads(call(f"/api/v1/runs/{run}"))["run"]["status"] not in (
                "success", "failure", "cancelled", "interrupted", "timed_out"):
            if time.time() > deadline:
                sys.exit(f"run {run} did not finish")
            time.sleep(0.1)
        m = re.search(r"^([0-9]{13})", call(f"/api/v1/runs/{run}/logs/one"), re.M)
        lat.write(f"{int(sent * 1000)} {m.group(1) if m else ''}\n")
        print(run)
EOF
  )
fi
[ "${#ids[@]}" -gt 0 ] && details "$work/latency.jsonl" "${ids[@]}"

# The spawn ceiling: CPU seconds of one bash, from 200 of them.
ceiling=$(python3 - <<'EOF'
import os, resource, subprocess
n = 200
before = resource.getrusage(resource.RUSAGE_CHILDREN)
for _ in range(n):
    subprocess.run(["bash", "--noprofile", "--norc", "-c", "true"])
after = resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) / n
print(f"{os.cpu_count() / cpu:.0f} {cpu * 1000:.2f}")
EOF
)

# 5. Concurrent SSE streams of a step that talks for 10 s on an agent.
stream_result="" stream_rss=0
if phase streams; then
  talk=$(dispatch talk.yml)
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
    res.on("end", () => { (text.includes("line 40") && text.includes("event: end") ? complete++ : failed++); finish(); });
  });
  req.on("error", () => { failed++; finish(); });
}
setTimeout(() => { console.log(`${complete} ${failed} (timed out)`); process.exit(0); }, 60000);
EOF
  )
  stream_rss=$(rss_kb)
  wait_finished "$talk"
fi
stop_agents
stop_server

# 10,000 runs in the history: copies of a finished run's rows, then a fresh start.
history_idle_rss=0 history_rss=0 t_list=0
if phase history; then
  python3 - "$data" <<'EOF'
import sqlite3, sys
db = sqlite3.connect(f"{sys.argv[1]}/sluice.db")
cols = lambda t: [r[1] for r in db.execute(f"PRAGMA table_info({t})")]
have = db.execute("SELECT count(*) FROM runs").fetchone()[0]
top = db.execute("SELECT max(id) FROM runs").fetchone()[0]
source = db.execute("SELECT id FROM runs WHERE status = 'success' ORDER BY id DESC LIMIT 1").fetchone()[0]
run_cols = [c for c in cols("runs") if c != "id"]
tables = [t for (t,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
          if t != "runs" and "run_id" in cols(t)]
for k in range(10000 - have):
    new_id = top + 1 + k
    values = ", ".join("?" if c == "run_number" else c for c in run_cols)
    db.execute(f"INSERT INTO runs (id, {', '.join(run_cols)}) SELECT ?, {values} FROM runs WHERE id = ?",
               (new_id, *([new_id] if "run_number" in run_cols else []), source))
    for table in tables:
        c = [x for x in cols(table) if x not in ("run_id", "id")]
        db.execute(f"INSERT INTO {table} (run_id, {', '.join(c)}) SELECT ?, {', '.join(c)} FROM {table} WHERE run_id = ?",
                   (new_id, source))
db.commit()
EOF
  start_server
  sleep 1
  history_idle_rss=$(rss_kb)
  t_list=$( { /usr/bin/time -f %e curl -sf -H "Authorization: Bearer $token" "$base/api/v1/runs?limit=50" >/dev/null; } 2>&1)
  history_rss=$(rss_kb)
  stop_server
fi

python3 - "$work" "$runs" "$jobs" "$one_step_runs" "$matrix" "$onestep" "$hz" "$ceiling" \
  "$idle_rss" "$agents_rss" "$busy_rss" "$history_idle_rss" "$history_rss" "$stream_rss" \
  "$streams" "$stream_result" "$t_list" "$agents" "$executors" "$agents_cpu" <<'EOF'
import json, os, sys
(work, runs, jobs, one_step_runs, matrix, onestep, hz, ceiling, idle, agents_rss, busy,
 history_idle, history, srss, streams, sres, t_list, agents, executors, agents_cpu) = sys.argv[1:]
runs, jobs, one_step_runs, hz = int(runs), int(jobs), int(one_step_runs), int(hz)
ceiling, bash_ms = ceiling.split()
ceiling = int(ceiling)
def span(figures, path):
    # From the first dispatch to the last run's end as the controller recorded it (not when
    # the bench's poll noticed it).
    t0, t1, c0, c1, a0, a1 = map(int, figures.split())
    end_ms = max(json.loads(line)["run"]["finished_ms"] for line in open(path))
    return (end_ms * 1e6 - t0) / 1e9, (c1 - c0) * 1000 / hz, (a1 - a0) * 1000 / hz
n = runs * jobs
def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(p * len(values)))] if values else float("nan")
def first_step_latency(path):
    out = []
    for line in open(path):
        d = json.loads(line)
        starts = [a["started_ms"] for j in d["jobs"] for s in j.get("steps", [])
                  for a in s.get("attempts", []) if a.get("started_ms")]
        if starts:
            out.append(min(starts) - d["run"]["created_ms"])
    return out
def job_waits(path):
    out = []
    for line in open(path):
        d = json.loads(line)
        for j in d["jobs"]:
            starts = [a["started_ms"] for s in j.get("steps", []) for a in s.get("attempts", [])
                      if a.get("started_ms")]
            if starts and j.get("started_ms"):
                out.append(min(starts) - j["started_ms"])
    return out
mb = lambda kb: f"{int(kb) / 1024:.1f} MB"
print(f"cores {os.cpu_count()}, load average {open('/proc/loadavg').read().split()[0]} at the end; "
      f"one `bash -c true`: {bash_ms} ms CPU; {agents} agents × {executors} executors")
print()
print("| figure | value | goal |")
print("| --- | ---: | --- |")
if matrix:
    wall, cpu, cpu_all = span(matrix, f"{work}/matrix.jsonl")
    rate = n / wall
    placed = job_waits(f"{work}/matrix.jsonl")
    print(f"| jobs/s: {runs} runs × {jobs} one-step jobs, dispatch to last end | {rate:.1f} jobs/s = {100 * rate / ceiling:.1f} % of the spawn ceiling ({ceiling}/s) | ≥ 80 % |")
    print(f"| controller CPU per job (its threads / + its children) | {cpu / n:.2f} / {cpu_all / n:.2f} ms | ≤ 1 ms |")
    print(f"| the agents' CPU per job (the agent processes and the steps they ran) | {int(agents_cpu) * 1000 / hz / n:.2f} ms | |")
if onestep:
    wall1, cpu1, cpu1_all = span(onestep, f"{work}/onestep.jsonl")
    print(f"| one-step runs/s ({one_step_runs} runs via the API) | {one_step_runs / wall1:.1f} runs/s | |")
    print(f"| controller CPU per one-step run (its threads / + git checkouts) | {cpu1 / one_step_runs:.2f} / {cpu1_all / one_step_runs:.2f} ms | |")
lat = first_step_latency(f"{work}/latency.jsonl")
if lat:
    client = [int(f[1]) - int(f[0]) for f in (l.split() for l in open(f"{work}/latency.txt")) if len(f) == 2]
    answered = [float(l) * 1000 for l in open(f"{work}/answered.txt") if l.strip()]
    print(f"| dispatch sent (client clock, one client process) to the step's process running on an agent, p50 / p99 ({len(client)} runs one at a time) | {pct(client, .5)} / {pct(client, .99)} ms | p50 < 20 ms |")
    print(f"| of which the dispatch request, answered (client's clock), p50 / p99 | {pct(answered, .5):.1f} / {pct(answered, .99):.1f} ms | |")
    print(f"| run recorded to its first step started (engine's record), p50 / p99 | {pct(lat, .5)} / {pct(lat, .99)} ms | |")
if matrix:
    print(f"| job started (placed) to its step started (engine's record), p50 / p99 ({len(placed)} matrix jobs) | {pct(placed, .5)} / {pct(placed, .99)} ms | |")
print(f"| controller RSS: idle after start / with {agents} agents / after the runs | {mb(idle)} / {mb(agents_rss)} / {mb(busy)} | < 30 MB idle |")
if int(history_idle):
    print(f"| controller RSS with 10,000 runs in the history: idle / after `GET /runs?limit=50` ({float(t_list) * 1000:.0f} ms) | {mb(history_idle)} / {mb(history)} | |")
if sres:
    print(f"| {streams} concurrent SSE streams of one step's log on an agent: complete, failed | {sres}; RSS {mb(srss)} | all complete |")
EOF
