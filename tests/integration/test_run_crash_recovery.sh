#!/usr/bin/env bash
# SIGKILL of `sluice run` mid-step: while it ran, its job was stored as running; after it,
# `logs -f` (already following) ends, the next command marks the run, its job and step,
# and the job that never started `interrupted` with the reason, and the run's temp dir,
# its step files on /dev/shm and its owner lock are removed.
source "$(dirname "$0")/lib.sh"
setup_repo crash
marker="30.$$$RANDOM"   # a unique sleep length: lets pgrep find this test's processes
cleanup_sleeps() { pkill -KILL -f "^sleep $marker" 2>/dev/null || true; }
trap 'cleanup_sleeps; rm -rf "$WORK"' EXIT

"$SLUICE" run "$REPO" --data-dir "$DATA" --var "sleep=$marker" >"$WORK/out" 2>&1 &
pid=$!
for _ in $(seq 100); do pgrep -f "^sleep $marker" >/dev/null && break; sleep 0.05; done
pgrep -f "^sleep $marker" >/dev/null || fail "the step's sleep never started"
# The store commits in groups: wait (up to 5 s) for the running step to be visible.
for _ in $(seq 100); do [ "$(step_status long 1)" = running ] && break; sleep 0.05; done

check_eq "$(job_status long)" running "stored status of the running job"
check_eq "$(db "SELECT status FROM runs WHERE id=1")" running "run status while it runs"
owner=$(db "SELECT owner FROM runs WHERE id=1")
check_eq "${owner%%:*}" "$pid" "recorded owner pid"
ls -d "$DATA"/tmp/run-"$pid"-* >/dev/null 2>&1 || fail "no run temp dir while running"
ls -d /dev/shm/sluice-"$pid"-* >/dev/null 2>&1 || fail "no step files dir while running"

# A follower started while the run is alive must end when its owner dies.
"$SLUICE" logs 1 long --data-dir "$DATA" -f >"$WORK/follow" 2>&1 &
follower=$!
for _ in $(seq 40); do grep -q sleeping "$WORK/follow" && break; sleep 0.05; done
kill -KILL "$pid"
wait "$pid" 2>/dev/null || true
follow_rc=0
for _ in $(seq 100); do kill -0 "$follower" 2>/dev/null || break; sleep 0.05; done
if kill -0 "$follower" 2>/dev/null; then
  fail "logs -f still follows 5 s after the run's process died"
  kill "$follower"
fi
wait "$follower" || follow_rc=$?
check_eq "$follow_rc" 0 "logs -f exit code"
grep -q sleeping "$WORK/follow" || fail "logs -f printed nothing: $(cat "$WORK/follow")"

sluice_cmd runs
check_rc 0 "sluice runs"
check_contains "interrupted"
sluice_cmd show 1
check_contains "interrupted"
check_contains "the sluice process (pid $pid) ended before the run finished"
check_eq "$(db "SELECT status FROM runs WHERE id=1")" interrupted "run status"
check_eq "$(job_status long)" interrupted "running job"
check_eq "$(step_status long 0)" success "step before the kill"
check_eq "$(step_status long 1)" interrupted "killed step"
check_eq "$(step_status long 2)" interrupted "step never started"
check_eq "$(job_status queued)" interrupted "job never started"
check_eq "$(db "SELECT status FROM attempts WHERE run_id=1 AND job_key='long' AND step_index=1")" \
  interrupted "killed step's attempt"
# A finished run is not touched by a later pass.
check_eq "$(db "SELECT count(*) FROM runs WHERE status <> 'interrupted'")" 0 "other runs"

# Leftovers of the dead process are gone.
! ls -d "$DATA"/tmp/run-"$pid"-* >/dev/null 2>&1 || fail "run temp dir left behind"
! ls -d /dev/shm/sluice-"$pid"-* >/dev/null 2>&1 || fail "step files left on /dev/shm"
[ -z "$(ls -A "$DATA/owners")" ] || fail "owner lock left behind: $(ls "$DATA/owners")"

# `logs -f` on the interrupted run returns at once.
RC=0
OUT=$(timeout 5 "$SLUICE" logs 1 --data-dir "$DATA" -f 2>&1) || RC=$?
check_rc 0 "logs -f of an interrupted run"
check_contains "started-long"
# The interrupted step's log is whole: what it printed before sluice died is shown, even
# when sluice died before it recorded the step's log size (killed as soon as the line is
# on disk).
rm -rf "$DATA"
"$SLUICE" run "$REPO" --data-dir "$DATA" --var "sleep=$marker" >"$WORK/out" 2>&1 &
pid=$!
for _ in $(seq 200); do grep -qs sleeping "$DATA"/logs/1/long-1.log && break; sleep 0.02; done
kill -KILL "$pid"
wait "$pid" 2>/dev/null || true
OUT=$("$SLUICE" logs 1 long --data-dir "$DATA" 2>&1)
grep -qx sleeping <<<"$OUT" || fail "the interrupted step's output is missing: $OUT"

finish
