#!/usr/bin/env bash
# Ctrl-C: SIGINT to `sluice run` while a step sleeps cancels the run: exit 130, the step's
# process group (a foreground and a background sleep) is gone, the run, job and step are
# recorded as cancelled, cancelled()/always() steps still run, the queued dependant job never runs.
source "$(dirname "$0")/lib.sh"
setup_repo cancel
marker="30.$$$RANDOM"   # a unique sleep length: lets pgrep find this test's processes

"$SLUICE" run "$REPO" --data-dir "$DATA" --var "sleep=$marker" >"$WORK/out" 2>&1 &
pid=$!
# Wait (up to 5 s) for the step's sleeps to start, then 1 s more.
for _ in $(seq 50); do pgrep -f "^sleep $marker" >/dev/null && break; sleep 0.1; done
pgrep -f "^sleep $marker" >/dev/null || fail "the step's sleep never started"
sleep 1
kill -INT "$pid"
RC=0
wait "$pid" || RC=$?
OUT=$(cat "$WORK/out")
check_rc 130 "cancelled run"
sleep 0.3
if pgrep -f "^sleep $marker" >/dev/null; then
  fail "sleep processes survived the cancel: $(pgrep -af "^sleep $marker" | tr '\n' ' ')"
  pkill -KILL -f "^sleep $marker" || true
fi
check_contains "run 1 cancelled"
check_contains "2 cancelled"
check_eq "$(db "SELECT status FROM runs WHERE id=1")" cancelled "run status"
check_eq "$(job_status long)" cancelled "running job"
check_eq "$(step_status long 0)" success "step before the cancel"
check_eq "$(step_status long 1)" cancelled "interrupted step"
case "$(job_status queued)" in  # GitHub shows never-started jobs of a cancelled run as cancelled or skipped
  cancelled|skipped) ;;
  *) fail "queued job needing the cancelled one: status '$(job_status queued)'" ;;
esac
[ -z "$(job_log queued)" ] || fail "the queued job ran"
! job_log long | grep -q never-after-cancel || fail "a step ran after the cancel"
# After the cancel, cancelled() and always() steps still run; failure() steps do not.
check_eq "$(job_log long)" "started-long
cancelled-step-ran
always-step-ran" "steps run after the cancel"

finish
