#!/usr/bin/env bash
# The run history commands on real runs: `sluice runs`, `sluice show` (jobs, steps,
# attempts with reasons, statistics, annotations, --json), `sluice logs` (job and step
# selection by key, id, name and number; every attempt with a header; -f following a run
# that is still going) and exit 2 for unknown runs, jobs and steps.
source "$(dirname "$0")/lib.sh"
REPO=$WORK/repo DATA=$WORK/data
mkdir -p "$REPO/.github/workflows"
cat >"$REPO/.github/workflows/history.yml" <<'YAML'
name: History
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - id: hello
        name: Say hello
        run: |
          echo "hello from build"
          echo "::warning file=src/app.c,line=12::check this"
      - id: flaky
        run: |
          n=$(( $(cat flaky.count 2>/dev/null || echo 0) + 1 )); echo $n > flaky.count
          echo "flaky attempt $n"
          [ "$n" -ge 2 ] || exit 3
        retry:
          max-attempts: 3
          on:
            - exit-codes: [3]
  test:
    needs: build
    runs-on: ubuntu-latest
    steps:
      - run: echo "testing"
YAML
cat >"$REPO/.github/workflows/slow.yml" <<'YAML'
name: Slow
on: push
jobs:
  slow:
    runs-on: ubuntu-latest
    steps:
      - name: Tick
        run: for i in 1 2 3; do echo "tick $i"; sleep 0.5; done
YAML

sluice_run -w .github/workflows/history.yml
check_rc 0 "sluice run history.yml"
RUN=$(last_run)

sluice_cmd runs
check_rc 0 "sluice runs"
check_contains "ID  WORKFLOW" "sluice runs"
check_contains "History #1" "sluice runs"
check_contains "success" "sluice runs"

sluice_cmd show "$RUN"
check_rc 0 "sluice show"
check_contains "run $RUN  History #1  success" "sluice show"
check_contains "job build  success" "sluice show"
check_contains "1.  Say hello" "sluice show"
check_contains "2 attempts" "sluice show"
grep -qE "attempt 1 +failure .*exit code 3" <<<"$OUT" || { fail "show lacks the failed attempt and its reason"; show_out; }
grep -qE "attempt 2 +success" <<<"$OUT" || { fail "show lacks the second attempt"; show_out; }
check_contains "2 actions: 2 succeeded, 0 failed, 0 timed out, 0 cancelled, 0 skipped, 0 running" "sluice show"
check_contains "3 steps: 3 succeeded" "sluice show"
check_contains "src/app.c:12  warning  check this" "sluice show"

sluice_cmd show "$RUN" --json
check_rc 0 "sluice show --json"
check_eq "$(python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["statistics"]["total"], len(d["jobs"][0]["steps"][1]["attempts"]))' <<<"$OUT")" \
  "2 2" "show --json: actions and attempts of the retried step"
check_eq "$(python3 -c 'import json,sys; d=json.load(sys.stdin); r=d["run"]; print(r["status"], r["started_at"][10], r["finished_at"][-1], r["duration_ms"] >= 0, d["summaries"], d["artifacts"])' <<<"$OUT")" \
  "success T Z True [] []" "show --json: status, ISO-8601 UTC times, duration, summaries, artifacts"

sluice_cmd runs --json
check_rc 0 "sluice runs --json"
check_eq "$(python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["runs"][0]["id"], d["runs"][0]["workflow_name"], d["runs"][0]["status"], d["next_cursor"])' <<<"$OUT")" \
  "$RUN History success None" "runs --json: the run summary and no next page"

sluice_cmd logs "$RUN"
check_rc 0 "sluice logs"
check_contains "==> build / 1. Say hello / attempt 1 of 1 [success] <==" "sluice logs"
check_contains "hello from build" "sluice logs"
check_contains "==> test / 1." "sluice logs"
check_before "hello from build" "testing"

for selector in build/flaky build/2 flaky; do
  sluice_cmd logs "$RUN" "$selector"
  [ "$selector" = flaky ] && { check_rc 2 "logs flaky (a step id is not a job)"; continue; }
  check_rc 0 "sluice logs $selector"
  check_eq "$(grep -v '^==>' <<<"$OUT" | tr '\n' ' ')" "flaky attempt 1 flaky attempt 2 " "logs $selector"
  check_contains "attempt 1 of 2 [failure]" "logs $selector"
done
sluice_cmd logs "$RUN" "build/Say hello"
check_eq "$(grep -c '^==>' <<<"$OUT")" 1 "logs by step name"

sluice_cmd show 999
check_rc 2 "show of an unknown run"
check_contains "no run 999" "show 999"
sluice_cmd logs "$RUN" deploy
check_rc 2 "logs of an unknown job"
check_contains "has no job 'deploy' (jobs: build, test)" "logs deploy"
sluice_cmd logs "$RUN" build/9
check_rc 2 "logs of an unknown step"
check_contains "has no step '9'" "logs build/9"

# -f follows a run that is still going and stops when it ends.
timeout 60 "$SLUICE" run "$REPO" --data-dir "$DATA" -w .github/workflows/slow.yml >/dev/null 2>&1 &
RUNNER=$!
for _ in $(seq 100); do
  [ "$(db "SELECT count(*) FROM runs WHERE workflow_name='Slow'" 2>/dev/null || echo 0)" -ge 1 ] && break
  sleep 0.05
done
SLOW=$(db "SELECT id FROM runs WHERE workflow_name='Slow'")
RC=0
OUT=$(timeout 30 "$SLUICE" logs "$SLOW" -f --data-dir "$DATA" 2>&1) || RC=$?
wait "$RUNNER" || fail "slow run failed"
check_rc 0 "sluice logs -f"
check_eq "$(grep -c '^tick' <<<"$OUT")" 3 "logs -f saw every tick"
check_contains "==> slow / 1. Tick" "logs -f"
check_eq "$(db "SELECT status FROM runs WHERE id=$SLOW")" success "slow run"

finish
