#!/usr/bin/env bash
# Triggers end to end (issue 10 §2, §7): the controller polls a local repository, takes
# signed webhooks, and fires cron schedules with a test clock.
#   - a webhook with a bad or missing signature -> 401 and no run;
#   - a push to a watched branch -> exactly one run of each matching workflow (none for a
#     workflow whose branch or path filter does not match, none for an unwatched branch);
#   - the same push seen by a webhook and by polling runs once; a redelivery runs nothing;
#   - a cron schedule due at the (shifted) clock's minute fires once, another does not;
#   - after a restart the remembered refs hold: a commit made while down fires once, and
#     the schedule does not fire again.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/serve_lib.sh"

SECRET="It's a Secret to Everybody"
APP=$WORK/app
mkdir -p "$APP/.github/workflows" "$APP/docs" "$APP/src"
wf() {  # wf FILE ON_YAML: a one-job workflow that echoes its event
  cat >"$APP/.github/workflows/$1" <<EOF
name: ${1%.yml}
on:
$2
jobs:
  echo:
    runs-on: local
    steps:
      - run: echo "event=\${{ github.event_name }} ref=\${{ github.ref }} schedule=\${{ github.event.schedule }}"
EOF
}
wf push.yml '  push:
    branches: [main]'
wf docs.yml '  push:
    branches: [main]
    paths: ["docs/**"]'
wf release.yml '  push:
    branches: [release]'
wf nightly.yml '  schedule:
    - cron: "17 3 * * *"'
wf later.yml '  schedule:
    - cron: "45 15 * * *"'
echo hello >"$APP/src/a.txt"
git_app() { git -C "$APP" -c user.email=t@example.com -c user.name=t "$@"; }
git_app init -q -b main
git_app add -A
git_app commit -qm init

cat >"$WORK/sluice.yml" <<EOF
projects:
  - name: app
    repository: $APP
    branches: [main, feature]
    poll-interval: 1
    webhook-secret: "$SECRET"
EOF

# The test clock: 03:17:05 UTC (tomorrow's, so it is in the future), where nightly.yml is due.
now=$(date -u +%s)
target=$(date -u -d "tomorrow 03:17:05" +%s)
export SLUICE_TEST_CLOCK_OFFSET_SECONDS=$((target - now))
start_serve --config "$WORK/sluice.yml"

runs_of() {  # runs_of WORKFLOW_FILE: how many runs of it the API lists
  api GET "/api/v1/runs?project=app&workflow=.github/workflows/$1&limit=100"
  python3 -c 'import json,sys; print(len(json.load(sys.stdin)["runs"]))' <<<"$BODY"
}
wait_runs() {  # wait_runs WORKFLOW_FILE COUNT: until it has COUNT runs (20 s at most)
  for _ in $(seq 1 200); do
    [ "$(runs_of "$1")" -ge "$2" ] && return 0
    sleep 0.1
  done
  return 1
}
all_runs() {
  api GET "/api/v1/runs?project=app&limit=100"
  python3 -c 'import json,sys; print(len(json.load(sys.stdin)["runs"]))' <<<"$BODY"
}
hook() {  # hook PROVIDER BODY HEADER...: POST /hooks/PROVIDER without a token
  local out
  out=$($API --token "" request POST "/hooks/$1" --body "$2" --header "Content-Type: application/json" "${@:3}")
  STATUS=$(head -1 <<<"$out")
  BODY=$(tail -n +2 <<<"$out")
}
sign() { printf '%s' "$1" | openssl dgst -sha256 -hmac "$SECRET" | sed 's/^.* //'; }

# 1. The schedule due at the test clock's minute fires once; the other does not.
wait_runs nightly.yml 1 || fail "nightly.yml (cron 17 3 * * *) did not fire at 03:17"
api GET "/api/v1/runs?project=app&workflow=.github/workflows/nightly.yml"
RUN=$(field runs.0.id)
check_eq "$(wait_run "$RUN")" success "schedule run"
api GET "/api/v1/runs/$RUN/logs/echo/1"
grep -q "event=schedule ref=refs/heads/main schedule=17 3 \* \* \*" <<<"$BODY" ||
  fail "schedule run log: $BODY"
sleep 2
check_eq "$(runs_of nightly.yml)" 1 "nightly.yml runs (once per minute)"
check_eq "$(runs_of later.yml)" 0 "later.yml runs (not due)"

# 2. Bad and missing signatures: 401, nothing starts.
before=$(all_runs)
HEAD=$(git_app rev-parse HEAD)
payload='{"ref":"refs/heads/main","before":"'$HEAD'","after":"'$HEAD'","repository":{"full_name":"o/app"},"commits":[]}'
hook github "$payload" --header "X-GitHub-Event: push" --header "X-Hub-Signature-256: sha256=$(printf '0%.0s' $(seq 64))"
check_eq "$STATUS" 401 "bad signature"
hook github "$payload" --header "X-GitHub-Event: push"
check_eq "$STATUS" 401 "missing signature"
hook gitlab '{"object_kind":"push"}' --header "X-Gitlab-Event: Push Hook" --header "X-Gitlab-Token: wrong"
check_eq "$STATUS" 401 "wrong GitLab token"
sleep 1
check_eq "$(all_runs)" "$before" "runs after refused webhooks"

# 3. A ping with the right signature names the project (the ?project= form).
ping='{"zen":"Keep it simple.","hook_id":1}'
hook "github?project=app" "$ping" --header "X-GitHub-Event: ping" --header "X-Hub-Signature-256: sha256=$(sign "$ping")"
check_eq "$STATUS" 200 "ping"
grep -q '"app"' <<<"$BODY" || fail "ping answer lacks the project: $BODY"

# 4. A push to main seen by polling: one run of push.yml; docs.yml's path filter and
#    release.yml's branch filter keep them out.
echo change >>"$APP/src/a.txt"
git_app commit -qam "src change"
wait_runs push.yml 1 || fail "push.yml did not run for the polled push"
sleep 3  # a few more polls: nothing more may start
check_eq "$(runs_of push.yml)" 1 "push.yml runs after one push"
check_eq "$(runs_of docs.yml)" 0 "docs.yml runs (paths filter docs/**)"
check_eq "$(runs_of release.yml)" 0 "release.yml runs (branch filter)"
api GET "/api/v1/runs?project=app&workflow=.github/workflows/push.yml"
check_eq "$(field runs.0.sha)" "$(git_app rev-parse HEAD)" "the run's commit"

# 5. Unwatched branch: nothing. Watched branch without a matching workflow: nothing.
git_app checkout -q -b topic
git_app commit -q --allow-empty -m topic
git_app checkout -q -b feature
git_app commit -q --allow-empty -m feature
git_app checkout -q main
sleep 3
check_eq "$(runs_of push.yml)" 1 "push.yml runs after pushes to other branches"

# 6. A docs change pushed and announced by a signed webhook: push.yml and docs.yml run once
#    each, whether the webhook or the poll saw it first; a redelivery starts nothing.
BEFORE=$(git_app rev-parse HEAD)
echo guide >"$APP/docs/guide.md"
git_app add -A
git_app commit -qm docs
AFTER=$(git_app rev-parse HEAD)
push='{"ref":"refs/heads/main","before":"'$BEFORE'","after":"'$AFTER'","repository":{"full_name":"o/app"},"commits":[{"id":"'$AFTER'","added":["docs/guide.md"],"removed":[],"modified":[]}]}'
hook "github?project=app" "$push" --header "X-GitHub-Event: push" --header "X-GitHub-Delivery: d-42" \
  --header "X-Hub-Signature-256: sha256=$(sign "$push")"
check_eq "$STATUS" 200 "signed push webhook"
hook "github?project=app" "$push" --header "X-GitHub-Event: push" --header "X-GitHub-Delivery: d-42" \
  --header "X-Hub-Signature-256: sha256=$(sign "$push")"
check_eq "$STATUS" 200 "redelivery"
grep -q '"duplicate":true' <<<"$BODY" || fail "redelivery not reported a duplicate: $BODY"
wait_runs docs.yml 1 || fail "docs.yml did not run for the docs push"
wait_runs push.yml 2 || fail "push.yml did not run for the docs push"
sleep 3
check_eq "$(runs_of push.yml)" 2 "push.yml runs after webhook + poll of one push"
check_eq "$(runs_of docs.yml)" 1 "docs.yml runs"

# 7. Restart: a commit made while the controller is down fires once; the schedule, already
#    handled for 03:17, does not fire again.
kill -TERM "$SERVE_PID"
wait "$SERVE_PID" 2>/dev/null || true
SERVE_PID=""
git_app commit -q --allow-empty -m "while down"
start_serve --config "$WORK/sluice.yml"
wait_runs push.yml 3 || fail "the commit made while down did not run after the restart"
sleep 3
check_eq "$(runs_of push.yml)" 3 "push.yml runs after the restart"
check_eq "$(runs_of nightly.yml)" 1 "nightly.yml runs after the restart"
grep -q "first sight" "$SERVE_LOG" && fail "the restart forgot the refs (first sight again)"

[ "$FAILURES" -eq 0 ] || { echo "--- serve log:" >&2; tail -50 "$SERVE_LOG" >&2; }
finish
