#!/usr/bin/env bash
# Trigger cost: the wall time of a one-step `sluice run` (start the binary, load and validate
# the workflow, read the git HEAD, open the run history, run `true`, record it, exit) against
# the floor `bash -c true`, measured with hyperfine. Goal (issue 8 §7): ≤ 2× the floor.
#
# Usage: bench/trigger_bench.sh [BUILD_DIR] [RUNS]   (defaults: build, 200)
#        BEFORE=/path/to/older/sluice bench/trigger_bench.sh ...   adds that binary's row
# Needs hyperfine (Debian: apt-get install -y hyperfine). Prints a Markdown table.
#
# All commands are started without a shell (hyperfine -N), one after the other in the same
# hyperfine call, so they see the same machine load. On a busy machine the minimum and the
# CPU time (user + sys, children included) move least; the median follows the load. The run history (--data-dir) persists
# across runs as it does for a user; hyperfine's warm-up runs create it.
set -euo pipefail
build=${1:-build}
runs=${2:-200}
sluice=$(cd "$build" && pwd)/sluice
command -v hyperfine >/dev/null || { echo "needs hyperfine (apt-get install -y hyperfine)" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

repo=$work/repo
mkdir -p "$repo/.github/workflows"
cat >"$repo/.github/workflows/one.yml" <<'EOF'
on: push
jobs:
  one:
    runs-on: local
    steps:
      - run: 'true'
EOF
git_() { GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null git -C "$repo" -c user.name=bench -c user.email=bench@example.com "$@"; }
git_ init -q -b main
git_ add -A
git_ commit -q -m "one-step workflow"
# The same workflow outside any repository (sluice reads no git facts there).
plain=$work/plain
mkdir -p "$plain"
cp -R "$repo/.github" "$plain/"

# The least a recorded trigger can do (bench/trigger_floor.c), linked statically when
# SQLite's archive is there (Debian's libsqlite3-dev ships it).
floor_c=$(cd "$(dirname "$0")" && pwd)/trigger_floor.c
if cc -O2 -static "$floor_c" -o "$work/trigger_floor" -lsqlite3 -lm -ldl -lpthread 2>/dev/null ||
  cc -O2 "$floor_c" -o "$work/trigger_floor" -lsqlite3; then
  least=(-n least "$work/trigger_floor $work/least.db")
else
  least=()
fi

commands=(-n floor 'bash -c true' "${least[@]}"
  -n run "$sluice run $repo --data-dir $work/data"
  -n run-no-git "$sluice run $plain --data-dir $work/data-plain")
[ -z "${BEFORE:-}" ] || commands+=(-n before "$BEFORE run $repo --data-dir $work/data-before")
hyperfine -N --warmup 10 --runs "$runs" --export-json "$work/result.json" "${commands[@]}" >&2

python3 - "$work/result.json" <<'EOF'
import json, sys
results = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
floor = results["floor"]
def ms(x):
    return f"{x * 1000:.1f}"
print("| command | mean ± σ | median | min | ratio to floor: median / min | CPU (user + sys) |")
print("| --- | ---: | ---: | ---: | ---: | ---: |")
for name, label in [("floor", "`bash -c true` (floor)"),
                    ("least", "least recorded trigger (`bench/trigger_floor.c`)"),
                    ("run", "one-step `sluice run`, git repository"),
                    ("run-no-git", "one-step `sluice run`, no repository"),
                    ("before", "the same with $BEFORE, git repository")]:
    r = results.get(name)
    if r is None:
        continue
    print(f"| {label} | {ms(r['mean'])} ± {ms(r['stddev'])} ms | {ms(r['median'])} ms "
          f"| {ms(r['min'])} ms | {r['median'] / floor['median']:.2f}× / "
          f"{r['min'] / floor['min']:.2f}× | {ms(r['user'] + r['system'])} ms |")
EOF
