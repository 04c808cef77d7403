#!/usr/bin/env bash
# The command line against a controller (--server/--token): `sluice dispatch --wait` runs a
# workflow to its end and exits like `sluice run` (0, 1, 130 when cancelled meanwhile);
# `runs`, `show`, `logs` (and `-f`) print what they print locally, `--json` the documented
# JSON; `cancel`, `rerun --failed`; clear errors for a bad token, a read-only token, an
# unknown project or run and an unreachable server. Loopback only; the controller is
# killed on exit.
source "$(dirname "$0")/lib.sh"
source "$SOURCE_DIR/tests/integration/serve_lib.sh"

APP=$WORK/app
mkdir -p "$APP/.github/workflows"
cat >"$APP/.github/workflows/ci.yml" <<'YAML'
name: ci
on:
  workflow_dispatch:
    inputs:
      count: {type: number, required: true}
      fail: {type: boolean, default: false}
jobs:
  build:
    runs-on: local
    steps:
      - id: say
        name: Say
        run: |
          echo "hello x${{ inputs.count }}"
          echo "second line"
      - name: Flaky
        run: |
          if [ -f flaky.seen ]; then echo "flaky second try"; else touch flaky.seen; echo "flaky first try"; exit 3; fi
        retry:
          max-attempts: 2
          on:
            - exit-codes: [3]
      - name: Maybe fail
        run: |
          echo "fail=${{ inputs.fail }}"
          [ "${{ inputs.fail }}" != "true" ]
  test:
    needs: build
    runs-on: local
    steps:
      - run: echo "test saw ${{ needs.build.result }}"
YAML
cat >"$APP/.github/workflows/slow.yml" <<'YAML'
name: slow
on: workflow_dispatch
jobs:
  slow:
    runs-on: local
    steps:
      - name: Tick
        run: for i in $(seq 1 60); do echo "tick $i"; sleep 0.5; done
YAML
git -C "$APP" init -q -b main
git -C "$APP" -c user.email=t@example.com -c user.name=t add -A
git -C "$APP" -c user.email=t@example.com -c user.name=t commit -qm init

start_serve --project "app=$APP"
export SLUICE_SERVER=$URL SLUICE_TOKEN=$TOKEN

# cli ARGS...: the client, bounded; sets OUT (stdout+stderr), STDOUT and RC.
cli() {
  RC=0
  OUT=$(timeout -k 5 "$RUN_TIMEOUT" "$SLUICE" "$@" 2>"$WORK/stderr") || RC=$?
  STDOUT=$OUT
  OUT="$OUT"$'\n'"$(cat "$WORK/stderr")"
  [ "$RC" -ne 124 ] && [ "$RC" -ne 137 ] || fail "sluice $* hung"
}
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)" <<<"$STDOUT"; }
WF=.github/workflows/ci.yml

# dispatch --wait: the run id, the logs, the summary, exit 0.
cli dispatch app "$WF" -i count=3 --wait
check_rc 0 "dispatch --wait (success)"
RUN=$(head -1 <<<"$STDOUT")
[[ "$RUN" =~ ^[0-9]+$ ]] || { fail "dispatch did not print the run id first"; show_out; exit 1; }
check_contains "hello x3" "dispatch --wait logs"
check_contains "==> build / 1. Say / attempt 1 of 1" "dispatch --wait headers"
check_contains "run $RUN summary: 2 actions: 2 succeeded, 0 failed" "dispatch --wait summary"
check_contains "run $RUN success" "dispatch --wait status"

# runs / show / logs through the API print what the local commands print.
cli runs
check_rc 0 "runs --server"
check_contains "ID  WORKFLOW" "runs --server"
grep -qE "^$RUN +ci #1 +workflow_dispatch +success" <<<"$OUT" || { fail "runs --server lacks the run"; show_out; }
cli runs --json
check_rc 0 "runs --server --json"
check_eq "$(json 'd["runs"][0]["id"], d["runs"][0]["status"], d["runs"][0]["project"], d["runs"][0]["finished_at"][-1]')" \
  "$RUN success app Z" "runs --json through the API"
cli show "$RUN"
check_rc 0 "show --server"
check_contains "run $RUN  ci #1  success" "show --server"
check_contains "job build  success" "show --server"
check_contains "2 actions: 2 succeeded, 0 failed, 0 timed out, 0 cancelled, 0 skipped, 0 running" "show --server"
cli show latest --json
check_rc 0 "show latest --server --json"
check_eq "$(json 'd["run"]["id"], d["run"]["inputs"]["count"], d["jobs"][0]["steps"][0]["attempts"][0]["status"]')" \
  "$RUN 3 success" "show --json through the API"
cli logs "$RUN"
check_rc 0 "logs --server"
check_contains "==> build / 1. Say / attempt 1 of 1 [success] <==" "logs --server"
check_contains "second line" "logs --server"
check_contains "test saw success" "logs --server"
check_before "hello x3" "test saw success"
# A retried step: one header per attempt, each with its own text (cut from the step's log).
cli logs "$RUN" build/2
check_rc 0 "logs of a retried step"
check_eq "$(grep -A1 '^==> ' <<<"$STDOUT")" "==> build / 2. Flaky / attempt 1 of 2 [failure] <==
flaky first try
==> build / 2. Flaky / attempt 2 of 2 [success] <==
flaky second try" "logs of a retried step, attempt by attempt"
cli logs "$RUN" build/3 -f
check_rc 0 "logs -f of a finished step"
check_contains "fail=false" "logs -f"
check_lacks "hello x3" "logs build/2 selects the step"
# The same text as the local commands print from the controller's own history.
if [ -f "$DATA/sluice.db" ]; then
  for args in "show $RUN" "logs $RUN" "logs $RUN build/2"; do
    cli $args
    REMOTE=$STDOUT
    LOCAL=$(SLUICE_SERVER= timeout 30 "$SLUICE" $args --data-dir "$DATA" 2>/dev/null) || true
    check_eq "$REMOTE" "$LOCAL" "sluice $args: --server prints what the local command prints"
  done
fi
cli logs "$RUN" nosuchjob
check_rc 2 "logs of an unknown job"

# A failing run: dispatch --wait exits 1; rerun --failed re-runs it (and fails again).
cli dispatch app "$WF" -i count=1 -i fail=true --wait
check_rc 1 "dispatch --wait (failure)"
FAILED=$(head -1 <<<"$STDOUT")
check_contains "run $FAILED failure" "dispatch --wait failure status"
cli rerun "$FAILED" --failed --wait
check_rc 1 "rerun --failed --wait"
check_contains "re-running run $FAILED (failed jobs) as run" "rerun --server"
RERUN=$(sed -n 's/.* as run \([0-9]*\)$/\1/p' <<<"$OUT" | head -1)
cli show "$RERUN" --json
check_eq "$(json 'd["run"]["rerun_of"]')" "$FAILED" "the re-run names the run it re-runs"

# cancel: a waiting `dispatch --wait` ends with 130 when the run is cancelled.
timeout -k 5 60 "$SLUICE" dispatch app .github/workflows/slow.yml --wait >"$WORK/slow.out" 2>&1 &
WAITER=$!
SLOW=""
for _ in $(seq 1 100); do
  SLOW=$(head -1 "$WORK/slow.out" 2>/dev/null | grep -E '^[0-9]+$' || true)
  [ -n "$SLOW" ] && grep -q "tick 1" "$WORK/slow.out" && break
  sleep 0.1
done
[ -n "$SLOW" ] || fail "the slow run did not start"
cli cancel "$SLOW"
check_rc 0 "cancel --server"
check_contains "cancelling run $SLOW" "cancel --server"
WAIT_RC=0
wait "$WAITER" || WAIT_RC=$?
check_eq "$WAIT_RC" 130 "dispatch --wait of a cancelled run"
grep -q "run $SLOW cancelled" "$WORK/slow.out" || fail "dispatch --wait does not say the run was cancelled: $(cat "$WORK/slow.out")"
# ... after following its log live (Server-Sent Events) while it ran.
grep -q "^==> slow / 1. Tick / attempt 1 of 1 \[running\] <==$" "$WORK/slow.out" &&
  grep -q "^tick 1$" "$WORK/slow.out" || fail "dispatch --wait did not follow the live log: $(cat "$WORK/slow.out")"
cli cancel "$SLOW"
check_rc 2 "cancel of a finished run"

# Errors.
cli runs --token not-a-token
check_rc 2 "a bad token"
check_contains "HTTP 401" "a bad token"
READ_TOKEN=$("$SLUICE" token create --role read --data-dir "$DATA" 2>/dev/null | tail -1)
if [ -n "$READ_TOKEN" ]; then
  cli dispatch app "$WF" -i count=1 --token "$READ_TOKEN"
  check_rc 2 "a read token dispatching"
  check_contains "HTTP 403" "a read token dispatching"
  cli runs --token "$READ_TOKEN"
  check_rc 0 "a read token listing runs"
fi
cli dispatch nosuchproject "$WF"
check_rc 2 "an unknown project"
check_contains "HTTP 404" "an unknown project"
cli dispatch app "$WF"
check_rc 2 "a missing required input"
cli show 99999
check_rc 2 "an unknown run"
cli dispatch app "$WF" --server http://127.0.0.1:9
check_rc 1 "an unreachable server"
check_contains "cannot connect" "an unreachable server"
cli runs --server https://127.0.0.1:9
check_rc 2 "an https URL"
cli dispatch app "$WF" --server ""
check_rc 2 "dispatch without a server"
check_contains "needs a controller" "dispatch without a server"

finish
