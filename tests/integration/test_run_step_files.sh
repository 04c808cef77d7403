#!/usr/bin/env bash
# Secrets at rest: the step files are 0700/0600 while a step runs, each step sees only its
# own directory (the ones before it are gone, after success, failure and timeout), and the
# run's root is gone when the run ends.
source "$(dirname "$0")/lib.sh"
setup_repo step-files

sluice_run --secret TOKEN=hunter2-top-secret
check_rc 0
log=$(step_log files 0)
root=$(sed -n 's/^root=//p' <<<"$log")
[ -n "$root" ] || fail "no root in the log"$'\n'"$log"
check_eq "$(grep '^mode ' <<<"$log" | tr '\n' ' ')" \
  "mode 700 mode 700 mode 600 mode 600 mode 600 mode 600 mode 600 mode 700 " \
  "modes of the root, the step directory, the five command files and the script"
for step in 1 3 5; do
  check_eq "$(step_log files $step)" 1 "entries in the root seen by step $step"
done
check_eq "$(step_status files 2)" success "failing step (continue-on-error)"
[ "$(db "SELECT outcome FROM steps WHERE run_id=$(last_run) AND job_key='files' AND step_index=4")" = timed_out ] ||
  fail "the timing-out step did not time out"
[ ! -e "$root" ] || fail "the run's step-files root $root is left after the run: $(ls -lAR "$root")"

finish
