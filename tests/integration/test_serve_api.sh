#!/usr/bin/env bash
# The controller end to end: dispatch through the API with the admin token, the run
# succeeds, its detail and logs are served (whole, by range, live as SSE), inputs are
# validated, projects/workflows/runs are listed, /metrics and /healthz answer.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/serve_lib.sh"

make_project "$WORK/app"
export APP_SECRET=s3cr3t-value-42
cat >"$WORK/sluice.yml" <<EOF
projects:
  - name: app
    repository: $WORK/app
    branches: [main]
    secrets: {DEMO_SECRET: {env: APP_SECRET}}
EOF
start_serve --config "$WORK/sluice.yml"

api GET /healthz
check_eq "$STATUS" 200 "healthz"
api GET /api/v1/projects
check_eq "$(field projects.0.name)" app "projects"
api GET /api/v1/projects/app/workflows
check_eq "$(field workflows.0.file)" .github/workflows/ci.yml "workflow file"
check_eq "$(field workflows.0.dispatchable)" True "dispatchable"

# Typed inputs are validated against the workflow's declarations.
api POST /api/v1/projects/app/workflows/.github/workflows/ci.yml/dispatch '{"inputs":{"mode":"slow"}}'
check_eq "$STATUS" 422 "dispatch without the required input"
grep -q count <<<"$BODY" || fail "the error names the missing input: $BODY"
api POST /api/v1/projects/app/workflows/.github/workflows/ci.yml/dispatch '{"inputs":{"count":2,"mode":"medium"}}'
check_eq "$STATUS" 422 "dispatch with a choice not offered"
api POST /api/v1/projects/app/workflows/.github/workflows/ci.yml/dispatch '{"inputs":{"count":"x"}}'
check_eq "$STATUS" 422 "dispatch with a number input that is not one"

api POST /api/v1/projects/app/workflows/.github/workflows/ci.yml/dispatch '{"ref":"main","inputs":{"count":3}}'
check_eq "$STATUS" 201 "dispatch"
RUN=$(field run_ids.0)
[ -n "$RUN" ] || { fail "no run id in $BODY"; exit 1; }
check_eq "$(wait_run "$RUN")" success "run $RUN"

api GET "/api/v1/runs/$RUN"
check_eq "$(field run.status)" success "detail status"
check_eq "$(field run.event)" workflow_dispatch "detail event"
check_eq "$(field jobs.0.key)" build "first job"

api GET "/api/v1/runs/$RUN/logs/build/say"
check_eq "$STATUS" 200 "log"
grep -q "hello x3 mode=fast" <<<"$BODY" || fail "log lacks the echoed inputs: $BODY"
grep -q "secret is \*\*\*" <<<"$BODY" || fail "log does not mask the secret: $BODY"
! grep -q "s3cr3t-value-42" <<<"$BODY" || fail "log shows the secret"
! grep -rq "s3cr3t-value-42" "$SERVE_LOG" "$DATA/sluice.db" "$DATA/secrets.json" "$DATA/logs" ||
  fail "the secret is stored or logged in plaintext"

# A byte range of the same log.
out=$($API --token "$TOKEN" request GET "/api/v1/runs/$RUN/logs/build/say" --header "Range: bytes=0-4")
check_eq "$(head -1 <<<"$out")" 206 "range status"
check_eq "$(sed -n 2p <<<"$out")" "hello" "range body"

# The live tail of a finished step: every line as an event, then the end.
sse=$($API --token "$TOKEN" sse "/api/v1/runs/$RUN/logs/build/say/stream")
grep -q "^status 200 text/event-stream" <<<"$sse" || fail "SSE status/type: $sse"
grep -q "^data: hello x3 mode=fast" <<<"$sse" || fail "SSE lacks the log line: $sse"
grep -q "^event: end" <<<"$sse" || fail "SSE does not end: $sse"
# Resuming after the first line's id skips it.
first_id=$(grep -m1 '^id: ' <<<"$sse" | sed 's/id: //')
resumed=$($API --token "$TOKEN" sse "/api/v1/runs/$RUN/logs/build/say/stream" --last-event-id "$first_id")
! grep -q "^data: hello x3" <<<"$resumed" || fail "Last-Event-ID did not resume after the line: $resumed"
grep -q "^data: secret is" <<<"$resumed" || fail "the resumed stream lacks the next line: $resumed"

api GET "/api/v1/runs?project=app&status=success&limit=1"
check_eq "$(field runs.0.id)" "$RUN" "runs list"
check_eq "$(field runs.0.project)" app "runs list project"
api GET "/api/v1/runs?status=bogus"
check_eq "$STATUS" 400 "bad status filter"

api POST "/api/v1/runs/$RUN/rerun" '{"failed":false}'
check_eq "$STATUS" 201 "rerun"
RERUN=$(field run_id)
check_eq "$(wait_run "$RERUN")" success "rerun $RERUN"
api GET "/api/v1/runs/$RERUN/logs/build/say"
grep -q "hello x3 mode=fast" <<<"$BODY" || fail "the rerun kept the inputs: $BODY"

api GET /metrics
grep -q '^sluice_runs{status="success"} 2' <<<"$BODY" || fail "metrics runs: $BODY"
grep -q '^sluice_job_duration_seconds_count 4' <<<"$BODY" || fail "metrics histogram: $BODY"
grep -q '^sluice_http_requests_total{code="201"}' <<<"$BODY" || fail "metrics http: $BODY"
grep -q '"path":"/api/v1/runs/'"$RUN"'"' "$SERVE_LOG" || fail "no request log line"

api GET /api/v1/nothing
check_eq "$STATUS" 404 "unknown endpoint"
check_eq "$(field error.code)" not_found "error code"

kill -TERM "$SERVE_PID"
wait "$SERVE_PID" || fail "serve exited $?"
SERVE_PID=""
[ "$FAILURES" -eq 0 ] && echo "PASS [$TEST_NAME]"
exit $((FAILURES > 0))
