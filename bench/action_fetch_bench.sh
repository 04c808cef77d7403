#!/usr/bin/env bash
# Cold and warm `sluice run` of a workflow of 20 remote actions served by a local git daemon,
# against the same workflow with 20 `run: true` steps (issue 9 §5 (a); goal: warm adds
# < 5 ms per step).
# Usage: bench/action_fetch_bench.sh [SLUICE_BINARY] [RUNS]   (default: build/sluice, 5 runs)
#
# Each action acme/aN@v1 is its own repository (a composite action whose one step is
# `run: true`), so the cold run resolves and fetches 20 repositories. cold: empty cache;
# warm: the cache from the cold run (ref records fresh, nothing contacts the daemon);
# baseline: 20 `run: true` steps. Prints the median wall time of each and the per-step
# difference warm - baseline.
set -euo pipefail
sluice=$(realpath "${1:-build/sluice}")
runs=${2:-5}
work=$(mktemp -d)
daemon=""
trap '[ -z "$daemon" ] || kill "$daemon" 2>/dev/null; rm -rf "$work"' EXIT
export GIT_AUTHOR_NAME=b GIT_AUTHOR_EMAIL=b@example.test GIT_COMMITTER_NAME=b GIT_COMMITTER_EMAIL=b@example.test
for i in $(seq 1 20); do
  src=$work/src/a$i
  mkdir -p "$src"
  git -C "$src" init -q -b main
  printf 'name: a%s\nruns:\n  using: composite\n  steps:\n    - {shell: bash, run: "true"}\n' "$i" >"$src/action.yml"
  git -C "$src" add -A && git -C "$src" commit -q -m a && git -C "$src" tag v1
  git clone -q --bare "$src" "$work/served/acme/a$i.git"
done
mkdir -p "$work/actions/.github/workflows" "$work/plain/.github/workflows"
{
  echo "on: push"; echo "jobs:"; echo "  j:"; echo "    runs-on: x"; echo "    steps:"
  for i in $(seq 1 20); do echo "      - uses: acme/a$i@v1"; done
} >"$work/actions/.github/workflows/w.yml"
{
  echo "on: push"; echo "jobs:"; echo "  j:"; echo "    runs-on: x"; echo "    steps:"
  for i in $(seq 1 20); do echo "      - run: \"true\""; done
} >"$work/plain/.github/workflows/w.yml"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
git daemon --base-path="$work/served" --export-all --reuseaddr --listen=127.0.0.1 --port="$port" "$work/served" &
daemon=$!
until git ls-remote "git://127.0.0.1:$port/acme/a1" >/dev/null 2>&1; do sleep 0.05; done
export SLUICE_ACTION_SOURCES="git://127.0.0.1:$port/" XDG_CACHE_HOME=$work/cache

# ms REPO: wall time of one run in milliseconds (the run must succeed).
ms() {
  local start end
  rm -rf "$work/data"
  start=$(date +%s%N)
  "$sluice" run "$work/$1" --data-dir "$work/data" >"$work/out" 2>&1 || { cat "$work/out"; exit 1; }
  end=$(date +%s%N)
  echo $(((end - start) / 1000000))
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR + 1) / 2)]}'; }

cold=$(for _ in $(seq "$runs"); do rm -rf "$XDG_CACHE_HOME"; ms actions; done | median)
ms actions >/dev/null  # fill the cache
warm=$(for _ in $(seq "$runs"); do ms actions; done | median)
plain=$(for _ in $(seq "$runs"); do ms plain; done | median)
echo "cold (20 fetches): ${cold} ms"
echo "warm (cache):      ${warm} ms"
echo "20 run: true:      ${plain} ms"
awk -v w="$warm" -v p="$plain" 'BEGIN {printf "warm adds %.1f ms per step\n", (w - p) / 20}'
