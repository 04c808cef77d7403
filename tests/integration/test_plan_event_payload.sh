#!/usr/bin/env bash
# Regression (corpus bug 5): `sluice plan` fills github.event as `sluice run` does (ref, after,
# workflow_dispatch inputs), so a job whose `if` reads github.event is forecast as run runs it
# (jqlang/jq's release job: `if: startsWith(github.event.ref, 'refs/tags/v')`).
source "$(dirname "$0")/lib.sh"
REPO=$WORK/repo DATA=$WORK/data
mkdir -p "$REPO/.github/workflows"
cat >"$REPO/.github/workflows/tag.yml" <<'YAML'
on:
  push:
    tags: ["v*"]
jobs:
  release:
    if: startsWith(github.event.ref, 'refs/tags/v')
    runs-on: x
    steps: [{run: echo release}]
YAML
cat >"$REPO/.github/workflows/dispatch.yml" <<'YAML'
on:
  workflow_dispatch:
    inputs:
      major: {default: 'no'}
jobs:
  minor:
    if: github.event.inputs.major == 'no'
    runs-on: x
    steps: [{run: touch minor-ran.txt}]
YAML
git -C "$REPO" init -q -b main
git -C "$REPO" -c user.name=t -c user.email=t@example.com add -A
git -C "$REPO" -c user.name=t -c user.email=t@example.com commit -q -m init

# plan's text output: one line per job, "    DECISION  JOB  — reason".
decision() { grep -E "^ +[a-z]+ +$1( |\$)" <<<"$OUT" | awk '{print $1}'; }
RC=0; OUT=$("$SLUICE" plan "$REPO" --event push --tag v1.7 2>&1) || RC=$?
check_rc 0 "plan of a tag push"
check_eq "$(decision release)" run "github.event.ref of a tag push"

RC=0; OUT=$("$SLUICE" plan "$REPO" --event workflow_dispatch 2>&1) || RC=$?
check_rc 0 "plan of a dispatch"
check_eq "$(decision minor)" run "github.event.inputs of a dispatch"
# ... and run agrees.
sluice_run --event workflow_dispatch -w .github/workflows/dispatch.yml
check_rc 0 "dispatch run"
[ -e "$REPO/minor-ran.txt" ] || fail "the job plan forecast as run did not run"
finish
