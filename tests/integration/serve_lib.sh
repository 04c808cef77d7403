# Helpers for the `sluice serve` integration tests (sourced after lib.sh).
# start_serve ARGS... starts the controller on 127.0.0.1 with a free port ($LISTEN, when
# set, is the address instead: a restarted controller keeps its agents' URL) and $DATA as
# its data dir; api METHOD PATH [BODY] calls it with $TOKEN (the admin token by default) and
# sets $STATUS and $BODY. The controller is killed when the test exits, whatever happens.
SERVE_PID="" URL="" TOKEN=""
API="python3 $SOURCE_DIR/tests/integration/tools/sluice_api.py"
DATA=$WORK/data

kill_serve() {
  if [ -n "$SERVE_PID" ] && kill -0 "$SERVE_PID" 2>/dev/null; then
    kill -KILL "$SERVE_PID" 2>/dev/null || true
    wait "$SERVE_PID" 2>/dev/null || true
  fi
  SERVE_PID=""
}
# kill_agent: SIGKILL to the `sluice agent` a test started in the background ($AGENT_PID).
AGENT_PID=""
kill_agent() {
  [ -n "$AGENT_PID" ] && { kill -KILL "$AGENT_PID" 2>/dev/null || true; wait "$AGENT_PID" 2>/dev/null || true; }
  AGENT_PID=""
}
trap 'kill_agent; kill_serve; rm -rf "$WORK"' EXIT

start_serve() {
  SERVE_LOG=$WORK/serve-$RANDOM.log
  "$SLUICE" serve --listen "${LISTEN:-127.0.0.1:0}" --data-dir "$DATA" "$@" >"$SERVE_LOG" 2>&1 &
  SERVE_PID=$!
  URL=""
  for _ in $(seq 1 300); do
    URL=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$SERVE_LOG" | head -1 | sed 's/listening on //') || true
    [ -n "$URL" ] && break
    kill -0 "$SERVE_PID" 2>/dev/null || break
    sleep 0.1
  done
  if [ -z "$URL" ]; then
    fail "sluice serve did not start"
    cat "$SERVE_LOG" >&2
    exit 1
  fi
  export SLUICE_URL=$URL
  TOKEN=$(cat "$DATA/admin.token")
}

# api METHOD PATH [BODY]: sets STATUS and BODY.
api() {
  local out
  out=$($API --token "$TOKEN" request "$1" "$2" ${3:+--body "$3"})
  STATUS=$(head -1 <<<"$out")
  BODY=$(tail -n +2 <<<"$out")
}
field() { $API field "$1" <<<"$BODY"; }
wait_run() { $API --token "$TOKEN" wait-run "$1" --timeout "${2:-60}"; }

# make_project DIR: a git repository with .github/workflows/ci.yml (workflow_dispatch with
# typed inputs, and push) committed on main.
make_project() {
  mkdir -p "$1/.github/workflows"
  cat >"$1/.github/workflows/ci.yml" <<'YAML'
name: ci
on:
  push:
    branches: [main]
  workflow_dispatch:
    inputs:
      greeting: {type: string, default: hello}
      count: {type: number, required: true}
      mode: {type: choice, options: [fast, slow], default: fast}
jobs:
  build:
    runs-on: local
    steps:
      - id: say
        run: |
          echo "${{ inputs.greeting }} x${{ inputs.count }} mode=${{ inputs.mode }}"
          echo "secret is ${{ secrets.DEMO_SECRET }}"
          echo "out=done" >> "$GITHUB_OUTPUT"
  test:
    needs: build
    runs-on: local
    steps:
      - run: echo "test saw ${{ needs.build.result }}"
YAML
  git -C "$1" init -q -b main
  git -C "$1" -c user.email=t@example.com -c user.name=t add -A
  git -C "$1" -c user.email=t@example.com -c user.name=t commit -qm init
}

# restartable_app_with_agent [AGENT ARGS...]: commits $WORK/app (its workflows written
# already) on main, starts `sluice serve` with it as project `app` on a port that a
# restart on the same data dir can take again (LISTEN), and one agent `far` (label
# `remote`, work dir $WORK/far, log $WORK/far.log, $AGENT_PID) with AGENT ARGS.
restartable_app_with_agent() {
  git -C "$WORK/app" init -q -b main
  git -C "$WORK/app" -c user.email=t@e -c user.name=t add -A
  git -C "$WORK/app" -c user.email=t@e -c user.name=t commit -qm init
  LISTEN=127.0.0.1:$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  export SLUICE_AGENT_LEASE_TTL_MS=2000
  start_serve --project "app=$WORK/app"
  AGENT_TOKEN=$("$SLUICE" token create --role agent --data-dir "$DATA")
  "$SLUICE" agent --server "$URL" --token "$AGENT_TOKEN" --labels remote --name far \
    --work-dir "$WORK/far" "$@" >"$WORK/far.log" 2>&1 &
  AGENT_PID=$!
}
