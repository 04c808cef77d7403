#!/usr/bin/env bash
# The web UI in a real browser: `sluice serve` on loopback with one project (the workflows in
# fixtures/web), driven by tests/browser/ui_test.mjs (playwright-core + Debian's chromium).
# Skips (77) when node, chromium or the pinned playwright-core (scripts/test.sh: npm ci) is
# missing. Screenshots go to $WEB_UI_SCREENSHOTS (default: ./web-ui-screenshots, i.e. build/tests/ under ctest).
set -euo pipefail
: "${SLUICE:?path of the sluice binary}"
SOURCE_DIR=${SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
browser_dir=$SOURCE_DIR/tests/browser
skip() { echo "SKIP [test_web_ui]: $*"; exit 77; }
command -v node >/dev/null || skip "node is not installed"
chromium=${CHROMIUM:-/usr/bin/chromium}
[ -x "$chromium" ] || skip "$chromium is missing (apt-get install chromium; scripts/setup.sh does)"
[ -f "$browser_dir/node_modules/playwright-core/package.json" ] ||
  skip "playwright-core is not installed (cd tests/browser && npm ci; scripts/test.sh does)"
"$SLUICE" serve --help >/dev/null 2>&1 || skip "this sluice has no serve command"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/sluice-web.XXXXXX")
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# The project: a git repository with the two workflows on branch main.
repo=$WORK/repo
mkdir -p "$repo/.github/workflows"
cp "$SOURCE_DIR/tests/integration/fixtures/web/"*.yml "$repo/.github/workflows/"
# deploy.yml's job waits for the environment production (one approval by alice).
mkdir -p "$repo/.sluice"
cp "$SOURCE_DIR/tests/integration/fixtures/web/sluice/environments.yml" "$repo/.sluice/"
git -C "$repo" init -q -b main
git -C "$repo" add -A
git -C "$repo" -c user.name=test -c user.email=test@example.com commit -q -m "workflows"

# A free port: bound by the kernel, released, then taken by the server (retried on a race).
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
data=$WORK/data
# alice reviews deployments (operate); viewer only reads. The admin token starts the runs.
alice=$("$SLUICE" token create --role operate --name alice --data-dir "$data")
viewer=$("$SLUICE" token create --role read --name viewer --data-dir "$data")
for attempt in 1 2 3; do
  port=$(free_port)
  "$SLUICE" serve --listen "127.0.0.1:$port" --data-dir "$data" --project "demo=$repo" \
    >"$WORK/serve.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
  done
  curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  kill "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
  [ "$attempt" -eq 3 ] && { echo "FAIL [test_web_ui]: sluice serve did not start" >&2; cat "$WORK/serve.log" >&2; exit 1; }
done
token=$(cat "$data/admin.token")
# A controller built without the UI (web/embed.cmake not wired in) has nothing to test here.
curl -fsS "http://127.0.0.1:$port/" 2>/dev/null | grep -q '/app.js' ||
  skip "this sluice serve does not serve the web UI"

shots=${WEB_UI_SCREENSHOTS:-$PWD/web-ui-screenshots}
rc=0
BASE_URL="http://127.0.0.1:$port" TOKEN="$token" ALICE_TOKEN="$alice" READ_TOKEN="$viewer" PROJECT=demo SCREENSHOTS="$shots" CHROMIUM="$chromium" \
  timeout -k 5 150 node "$browser_dir/ui_test.mjs" || rc=$?
if [ "$rc" -ne 0 ]; then
  echo "--- sluice serve log (last 40 lines):" >&2
  tail -40 "$WORK/serve.log" >&2
  echo "FAIL [test_web_ui]: the browser checks failed (exit $rc)" >&2
  exit 1
fi
echo "screenshots: $shots"
