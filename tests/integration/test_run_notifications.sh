#!/usr/bin/env bash
# Notifications (docs/environments.md) against a local receiver on 127.0.0.1
# (tools/webhook_receiver.py): a failed run, then its recovery, reach the file-wide JSON
# target signed with HMAC-SHA256 (verified by the receiver) after a retry (the receiver
# answers its first request with 500); an environment's own Slack-format target hears that a
# deployment waits for approval; secrets never appear in what is sent; an unreachable target
# does not hold the run back.
source "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || { echo "skip: no python3"; exit 77; }
REPO=$WORK/repo DATA=$WORK/data
RECEIVED=$WORK/received.jsonl
python3 -u "$SOURCE_DIR/tests/integration/tools/webhook_receiver.py" "$RECEIVED" k3y 1 >"$WORK/receiver.out" 2>&1 &
RECEIVER=$!
BG_PIDS=""
trap 'kill $RECEIVER 2>/dev/null || true; for p in $BG_PIDS; do kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"' EXIT
PORT=""
for _ in $(seq 1 100); do
  PORT=$(sed -n 's/^port \([0-9][0-9]*\)$/\1/p' "$WORK/receiver.out" | head -1)
  [ -n "$PORT" ] && break
  sleep 0.1
done
[ -n "$PORT" ] || { fail "the receiver did not start: $(cat "$WORK/receiver.out")"; finish; }
# A port nobody listens on: bind one, note it, close it.
DEAD_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')

mkdir -p "$REPO/.github/workflows" "$REPO/.sluice"
cat >"$REPO/.github/workflows/ci.yml" <<'YAML'
name: CI
on: push
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - run: test -f pass || { echo "token ${{ secrets.API_TOKEN }} refused"; exit 3; }
YAML
cat >"$REPO/.github/workflows/deploy.yml" <<'YAML'
name: Deploy
on: workflow_dispatch
jobs:
  deploy:
    runs-on: ubuntu-latest
    environment: production
    steps: [{run: echo deployed}]
YAML
cat >"$REPO/.sluice/environments.yml" <<YAML
environments:
  production:
    reviewers: [alice]
    notifications:
      - {name: chat, url: 'http://127.0.0.1:$PORT/slack', format: slack, on: [approval]}
notifications:
  - name: ops
    url: http://127.0.0.1:$PORT/ops
    secret: HOOK_KEY
    workflows: [ci.yml]
    on: [failure, recovery]
  - {name: nowhere, url: 'http://127.0.0.1:$DEAD_PORT/x', workflows: [ci.yml], max-attempts: 1}
YAML
received_count() { [ -f "$RECEIVED" ] && wc -l <"$RECEIVED" || echo 0; }
wait_received() {  # wait_received N
  for _ in $(seq 1 100); do [ "$(received_count)" -ge "$1" ] && return; sleep 0.1; done
  fail "received $(received_count) notifications, expected $1"
}
field() {  # field LINE PYTHON_EXPR over entry e
  sed -n "${1}p" "$RECEIVED" | python3 -c "import json,sys; e=json.load(sys.stdin); print($2)"
}

# 1. A failing run: the ops target gets "failure", signed, after one retry; the secret masked.
START=$(date +%s)
sluice_run --secret API_TOKEN=hunter2hunter2 --secret HOOK_KEY=k3y
check_rc 1 "the failing run"
[ $(($(date +%s) - START)) -lt 20 ] || fail "the run waited too long for notifications"
check_contains "notification 'ops': attempt 1 failed (HTTP 500); retrying"
check_contains "notification 'nowhere': not delivered after 1 attempt"
check_lacks "127.0.0.1:$DEAD_PORT" "stderr (target URLs are not printed)"
wait_received 1
check_eq "$(field 1 'e["path"], e["event"], e["verified"]')" "/ops failure True" "the failure notification"
check_eq "$(field 1 'e["body"]["run"]["id"], e["body"]["workflow"]["file"]')" "$(last_run) .github/workflows/ci.yml" "the failure's run"
check_eq "$(field 1 '"hunter2" in json.dumps(e)')" "False" "the secret in the payload"

# 2. The next run passes: "recovery".
touch "$REPO/pass"
sluice_run --secret API_TOKEN=hunter2hunter2 --secret HOOK_KEY=k3y
check_rc 0 "the recovering run"
wait_received 2
check_eq "$(field 2 'e["event"], e["verified"], e["body"]["status"]')" "recovery True success" "the recovery notification"
# 3. Passing again is no news (success is not in `on:`).
sluice_run --secret HOOK_KEY=k3y
check_rc 0 "a second passing run"
sleep 0.5
check_eq "$(received_count)" 2 "notifications after a second success"

# 4. A deployment waiting for approval: the environment's own Slack target hears of it.
SLUICE_USER=bob timeout -k 5 60 "$SLUICE" run "$REPO" --data-dir "$DATA" -w deploy.yml --event workflow_dispatch >"$WORK/deploy.out" 2>&1 &
RUNNER=$!
BG_PIDS=$RUNNER
wait_received 3
check_eq "$(field 3 'e["path"], e["event"], e["signed"]')" "/slack approval False" "the approval notification"
check_eq "$(field 3 'e["body"]["attachments"][0]["color"]')" "warning" "the Slack attachment"
field 3 'e["body"]["text"]' | grep -qF "deployment to production (Deploy run" || fail "the Slack text: $(field 3 'e["body"]["text"]')"
RUN=$(db "SELECT run_id FROM deployments ORDER BY id DESC LIMIT 1")
SLUICE_USER=alice sluice_cmd approve "$RUN"
check_rc 0 "approve"
RUN_RC=0
wait "$RUNNER" || RUN_RC=$?
check_eq "$RUN_RC" 0 "the approved deployment run"
finish
