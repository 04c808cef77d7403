#!/usr/bin/env bash
# A full disk under the run history (a 2 MiB tmpfs): sluice never reports a run it could
# not record as a success. Already full: it fails at once (no 60 s of silent retries),
# exit 3, naming the database and "disk full". Filling up mid-run: the run fails with
# exit 3, stderr says what could not be recorded, and once the disk has room again the
# history is consistent (the run and every job, step and attempt in a final state).
# Needs mount(2) (root); skipped (exit 77) where it is not permitted.
source "$(dirname "$0")/lib.sh"
DISK=$WORK/disk
mkdir -p "$DISK"
if ! mount -t tmpfs -o size=2m tmpfs "$DISK" 2>/dev/null; then
  echo "$TEST_NAME: skipped: cannot mount a tmpfs here (needs root)"
  exit 77
fi
trap 'umount "$DISK" 2>/dev/null || umount -l "$DISK"; rm -rf "$WORK"' EXIT

# 1. The disk is full before sluice starts.
setup_repo full-disk
DATA=$DISK/history
mkdir -p "$DATA"
head -c 10M /dev/zero >"$DISK/filler" 2>/dev/null || true
start=$(date +%s%N)
sluice_run -w .github/workflows/hello.yml --event workflow_dispatch
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
check_rc 3 "run on a full disk"
check_contains "$DATA/sluice.db" "the message names the database"
check_contains "disk full"
check_lacks "hello" "nothing ran"
[ "$elapsed_ms" -lt 5000 ] || fail "a full disk took ${elapsed_ms} ms to report"
rm -f "$DISK/filler"
rm -rf "$DATA"

# 2. The disk fills up mid-run, then frees up.
setup_repo full-disk
DATA=$DISK/history
sluice_run --var "fill=$DISK/filler"
check_rc 3 "run that filled the disk"
check_contains "could not be fully recorded"
check_lacks "run 1 success" "the run is not reported a success"
[ ! -e "$DISK/filler" ] || fail "the filler file is still there"
check_eq "$(db "SELECT status FROM runs WHERE id=1")" failure "run status"
unfinished="status IN ('queued','waiting','running')"
check_eq "$(db "SELECT (SELECT count(*) FROM jobs WHERE $unfinished)
  + (SELECT count(*) FROM steps WHERE $unfinished)
  + (SELECT count(*) FROM attempts WHERE $unfinished)")" 0 \
  "unfinished records left in the history"
check_contains "cannot write log" "the cut log is reported"
check_eq "$(step_status fill 3)" success "the step after the disk freed up"

finish
