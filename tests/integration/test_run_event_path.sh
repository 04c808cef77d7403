#!/usr/bin/env bash
# GITHUB_EVENT_PATH holds the event's payload; with a /dev/shm it lies beside the step files
# there (a file created on the data directory's disk was a measurable part of a one-step
# run's cost, BENCHMARKS.md "Trigger cost"), and it is gone when the run ends.
source "$(dirname "$0")/lib.sh"
setup_repo event-path

sluice_run --event workflow_dispatch --input tag=v7
check_rc 0
log=$(job_log show)
path=$(sed -n 's/^path=//p' <<<"$log")
check_eq "$(sed -n 2p <<<"$log")" 1 "the payload in $path holds the input"
if [ -d /dev/shm ] && [ -w /dev/shm ]; then
  case $path in
    /dev/shm/sluice-*/event.json) ;;
    *) fail "event payload at $path, not beside the step files in /dev/shm" ;;
  esac
fi
[ ! -e "$path" ] || fail "the event payload $path is left after the run"

finish
