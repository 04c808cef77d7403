#!/usr/bin/env bash
# `sluice/health-gate@v1` through `sluice run`, against a local HTTP server (python3
# http.server on 127.0.0.1, port chosen by the kernel) serving a Statuspage summary that the
# test rewrites: the gate waits while an incident is open on the target component, passes
# after `stable-for` clear polls once it is resolved, ignores incidents on other components,
# and fails at its timeout while the incident stays open.
source "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || { echo "skip: no python3"; exit 77; }
FIX=$SOURCE_DIR/tests/gates/fixtures
SITE=$WORK/site
mkdir -p "$SITE/api/v2"
cp "$FIX/statuspage_incident.json" "$SITE/api/v2/summary.json"
python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$SITE" >"$WORK/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT
PORT=""
for _ in $(seq 1 100); do
  PORT=$(sed -n 's/.*port \([0-9][0-9]*\).*/\1/p' "$WORK/server.log" | head -1)
  [ -n "$PORT" ] && break
  sleep 0.1
done
[ -n "$PORT" ] || { fail "http.server did not start: $(cat "$WORK/server.log")"; finish; }
URL=http://127.0.0.1:$PORT/api/v2/summary.json

# gate_run: sluice_run, then $OUT also holds the job's log and the run's annotations (the
# gate's ::error:: reason).
gate_run() {
  sluice_run
  OUT+=$'\n'"$(job_log deploy)"$'\n'"$(db "SELECT message FROM annotations WHERE run_id=$(last_run)")"
}

# write_workflow SERVICES TIMEOUT
write_workflow() {
  REPO=$WORK/repo DATA=$WORK/data
  mkdir -p "$REPO/.github/workflows"
  cat >"$REPO/.github/workflows/deploy.yml" <<YML
name: deploy
on: push
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - uses: sluice/health-gate@v1
        with:
          source: statuspage
          url: $URL
          services: $1
          interval: 0.2s
          stable-for: 3
          timeout: $2
      - run: echo "deploying now" | tr a-z A-Z
YML
}

# 1. Blocked by the open incident on API; resolved after ~1.5 s; passes after 3 clear polls.
write_workflow API 20s
(sleep 1.5 && cp "$FIX/statuspage_resolved.json" "$SITE/api/v2/summary.tmp" &&
  mv "$SITE/api/v2/summary.tmp" "$SITE/api/v2/summary.json") &
RESOLVER=$!
gate_run
wait $RESOLVER || true
check_rc 0 "gate after the incident is resolved"
check_contains "health gate: statuspage $URL every 0.2s, pass after 3 clear poll(s), timeout 20s"
check_contains "blocked by 2 event(s)" "blocked polls"
check_contains "blocking: id=cp306tmzcl0y region=- service=API status=open category=issue type=incident (Elevated API errors [identified])" "audit trail"
check_contains "clear (3/3)" "stable-for"
check_contains "health gate passed: clear for 3 consecutive poll(s)"
check_before "blocked by 2 event(s)" "clear (1/3)"
check_before "clear (3/3)" "DEPLOYING NOW"
blocked=$(grep -c "blocked by 2 event(s)" <<<"$OUT" || true)
[ "$blocked" -ge 3 ] || fail "expected several blocked polls before the resolution, saw $blocked"

# 2. An incident on another component does not hold this deployment.
cp "$FIX/statuspage_incident.json" "$SITE/api/v2/summary.json"
write_workflow Website 20s
gate_run
check_rc 0 "gate on an unaffected component"
check_contains "clear (1/3), 3 event(s) filtered out"
check_lacks "blocked by"

# 3. The incident stays open: the gate fails at its timeout and the deploy step never runs.
write_workflow API 1s
gate_run
check_rc 1 "gate while the incident stays open"
check_contains "health gate failed: timed out after 1s: blocked by 2 event(s), first: id=b13yz5g2cw10"
check_lacks "DEPLOYING NOW"

# 4. An unreachable source with on-source-error: fail fails at once with the error.
sed -i "s|url: .*|url: http://127.0.0.1:1/api/v2/summary.json|; s|timeout: 1s|timeout: 20s\n          on-source-error: fail|" "$REPO/.github/workflows/deploy.yml"
gate_run
check_rc 1 "unreachable source with on-source-error: fail"
check_contains "health gate failed: health source error:"
finish
