#!/usr/bin/env bash
# Regression (issue 9 §4): an invalid workflow that the event does not trigger no longer
# blocks every run: it is reported as a warning at its first error, and the triggered
# workflows run. When the event triggers it (or its `on:` cannot be read), it still blocks.
source "$(dirname "$0")/lib.sh"
REPO=$WORK/repo DATA=$WORK/data
mkdir -p "$REPO/.github/workflows"
cat >"$REPO/.github/workflows/ci.yml" <<'YAML'
on: push
jobs:
  build: {runs-on: x, steps: [{run: touch ran.txt}]}
YAML
cat >"$REPO/.github/workflows/release.yml" <<'YAML'
on:
  pull_request:
jobs:
  release:
    runs-on: x
    needs: nowhere
    steps: [{run: echo release}]
YAML

sluice_run
check_rc 0 "push run with an invalid pull_request workflow beside it"
check_contains ".github/workflows/release.yml:6:12: warning: workflow .github/workflows/release.yml has 1 error(s) and is skipped: 'push' does not trigger it"
check_contains "hint: \`sluice validate .github/workflows/release.yml\` shows every problem"
[ -e "$REPO/ran.txt" ] || fail "the triggered workflow did not run"

RC=0; OUT=$("$SLUICE" plan "$REPO" 2>&1) || RC=$?
check_rc 0 "plan beside an untriggered invalid workflow"
check_contains "warning: workflow .github/workflows/release.yml has 1 error(s)"

# The event triggers it: its errors block the run.
rm -f "$REPO/ran.txt"
sluice_run --event pull_request
check_rc 2 "pull_request run of the invalid workflow"
check_contains "release.yml:6:12: error:"
[ ! -e "$REPO/ran.txt" ] || fail "a workflow ran although a triggered one is invalid"

# A file the loader refuses (a misspelt key) is judged by its `on:` the same way.
printf 'on: [pull_request]\njobs:\n  a: {runs-onn: x, steps: [{run: a}]}\n' >"$REPO/.github/workflows/release.yml"
sluice_run
check_rc 0 "push run beside an unloadable pull_request workflow"
check_contains "release.yml:3:7: warning: workflow .github/workflows/release.yml has 2 error(s) and is skipped"

# Its `on:` cannot be read (or the file is not YAML): sluice cannot tell, so the run is refused.
printf 'on: {push: {branchs: [main]}}\njobs: {a: {runs-on: x, steps: [{run: a}]}}\n' \
  >"$REPO/.github/workflows/release.yml"
sluice_run
check_rc 2 "run beside a workflow whose on: is invalid"
check_contains "release.yml:1:13: error: unknown key 'branchs'"
printf 'on: [pull_request]\njobs:\n  a: {runs-on: x\n' >"$REPO/.github/workflows/release.yml"
sluice_run
check_rc 2 "run beside a workflow that is not YAML"
check_contains "release.yml:4:1: error: malformed YAML"

finish
