#!/usr/bin/env bash
# `sluice cancel RUN` without --server: the local run in progress is cancelled by a SIGINT
# to the `sluice run` that owns it (recorded cancelled, that run exits 130); a finished run
# or an unknown one is an error (exit 2).
source "$(dirname "$0")/lib.sh"
REPO=$WORK/repo DATA=$WORK/data
mkdir -p "$REPO/.github/workflows"
cat >"$REPO/.github/workflows/slow.yml" <<'YAML'
name: Slow
on: push
jobs:
  slow:
    runs-on: ubuntu-latest
    steps:
      - run: for i in $(seq 1 100); do echo "tick $i"; sleep 0.2; done
YAML
timeout -k 5 60 "$SLUICE" run "$REPO" --data-dir "$DATA" >"$WORK/run.out" 2>&1 &
RUNNER=$!
for _ in $(seq 1 150); do
  [ -f "$DATA/sluice.db" ] && [ "$(db "SELECT status FROM runs ORDER BY id DESC LIMIT 1" 2>/dev/null)" = running ] && break
  sleep 0.1
done
RUN=$(last_run)
sluice_cmd cancel "$RUN"
check_rc 0 "sluice cancel (local)"
check_contains "cancelling run $RUN (sent SIGINT to sluice process " "sluice cancel (local)"
RUN_RC=0
wait "$RUNNER" || RUN_RC=$?
check_eq "$RUN_RC" 130 "the cancelled sluice run's exit code"
check_eq "$(db "SELECT status FROM runs WHERE id=$RUN")" cancelled "the run's recorded status"
sluice_cmd cancel "$RUN"
check_rc 2 "cancelling a finished run"
check_contains "has already finished (cancelled)" "cancelling a finished run"
sluice_cmd cancel 999
check_rc 2 "cancelling an unknown run"
finish
