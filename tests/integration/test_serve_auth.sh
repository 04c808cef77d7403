#!/usr/bin/env bash
# Auth on every endpoint: without a token → 401; a read token reads but cannot dispatch,
# cancel, rerun or create tokens (403); `sluice token create` adds a token the running
# controller accepts at once; cookie sessions need their CSRF header.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/serve_lib.sh"

make_project "$WORK/app"
start_serve --project "app=$WORK/app"

ADMIN=$TOKEN
READ=$("$SLUICE" token create --role read --data-dir "$DATA")
OPERATE=$("$SLUICE" token create --role operate --data-dir "$DATA")
grep -q "^sluice_" <<<"$READ" || fail "token create printed '$READ'"
! grep -q "$READ" "$DATA/tokens.json" || fail "tokens.json holds a token in plaintext"

endpoints=(
  "GET /api/v1/projects"
  "GET /api/v1/projects/app/workflows"
  "GET /api/v1/runs"
  "GET /api/v1/runs/1"
  "GET /api/v1/runs/1/logs/build"
  "GET /api/v1/runs/1/logs/build/1"
  "GET /api/v1/runs/1/logs/build/1/stream"
  "POST /api/v1/projects/app/workflows/ci.yml/dispatch"
  "POST /api/v1/runs/1/cancel"
  "POST /api/v1/runs/1/rerun"
  "GET /api/v1/agents"
  "GET /api/v1/tokens"
  "POST /api/v1/tokens"
  "GET /metrics"
)
TOKEN=""
for e in "${endpoints[@]}"; do
  api $e
  check_eq "$STATUS" 401 "$e without a token"
done
TOKEN=not-a-token
api GET /api/v1/runs
check_eq "$STATUS" 401 "a wrong token"

TOKEN=$READ
api GET /api/v1/runs
check_eq "$STATUS" 200 "read token lists runs"
for e in "POST /api/v1/projects/app/workflows/ci.yml/dispatch" "POST /api/v1/runs/1/cancel" \
  "POST /api/v1/runs/1/rerun" "POST /api/v1/tokens" "GET /api/v1/tokens"; do
  api $e '{}'
  check_eq "$STATUS" 403 "$e with a read token"
done

# operate dispatches and cancels, but cannot make tokens.
TOKEN=$OPERATE
api POST /api/v1/projects/app/workflows/ci.yml/dispatch '{"inputs":{"count":1}}'
check_eq "$STATUS" 201 "operate dispatches"
RUN=$(field run_ids.0)
api POST /api/v1/tokens '{"role":"admin"}'
check_eq "$STATUS" 403 "operate cannot create tokens"

# The read token still cannot cancel that run; operate can ask (it may be over already).
TOKEN=$READ
api POST "/api/v1/runs/$RUN/cancel"
check_eq "$STATUS" 403 "read token cannot cancel"
TOKEN=$ADMIN
check_eq "$(wait_run "$RUN")" success "the run"
api POST /api/v1/tokens '{"role":"read","name":"ui"}'
check_eq "$STATUS" 201 "admin creates a token"

# Cookie login: GET works with the cookie; a POST needs X-Sluice-CSRF.
out=$($API request POST /api/v1/session --body "{\"token\":\"$OPERATE\"}" 2>&1)
check_eq "$(head -1 <<<"$out")" 201 "login"
CSRF=$(tail -n +2 <<<"$out" | $API field csrf)
[ -n "$CSRF" ] || fail "no csrf in $out"
SESSION=$(python3 - "$SLUICE_URL" "$OPERATE" <<'PY'
import http.client, json, sys, urllib.parse
u = urllib.parse.urlparse(sys.argv[1])
c = http.client.HTTPConnection(u.hostname, u.port)
c.request("POST", "/api/v1/session", body=json.dumps({"token": sys.argv[2]}))
r = c.getresponse(); r.read()
cookie = r.getheader("Set-Cookie")
assert "HttpOnly" in cookie and "SameSite=Strict" in cookie, cookie
print(cookie.split(";")[0])
PY
)
COOKIE=$SESSION
TOKEN=""
out=$($API request GET /api/v1/runs --header "Cookie: $COOKIE")
check_eq "$(head -1 <<<"$out")" 200 "cookie GET"
out=$($API request POST "/api/v1/runs/$RUN/rerun" --header "Cookie: $COOKIE" --body '{}')
check_eq "$(head -1 <<<"$out")" 403 "cookie POST without CSRF"
check_eq "$(tail -n +2 <<<"$out" | $API field error.code)" csrf "csrf error code"

kill -TERM "$SERVE_PID"
wait "$SERVE_PID" || fail "serve exited $?"
SERVE_PID=""
[ "$FAILURES" -eq 0 ] && echo "PASS [$TEST_NAME]"
exit $((FAILURES > 0))
