#!/usr/bin/env bash
# Regression (issue 9 §4): `uses: ./` (and `.`) names the action at the repository root; it
# was refused as "points outside the repository".
source "$(dirname "$0")/lib.sh"
REPO=$WORK/repo DATA=$WORK/data
mkdir -p "$REPO/.github/workflows"
cat >"$REPO/action.yml" <<'YAML'
name: root
inputs: {who: {default: nobody}}
runs:
  using: composite
  steps: [{run: 'echo "root action for ${{ inputs.who }}"', shell: bash}]
YAML
cat >"$REPO/.github/workflows/ci.yml" <<'YAML'
on: push
jobs:
  a:
    runs-on: x
    steps:
      - uses: ./
        with: {who: slash}
      - uses: .
YAML
RC=0; OUT=$("$SLUICE" validate "$REPO" 2>&1) || RC=$?
check_rc 0 "validate uses: ./"
sluice_run
check_rc 0 "run uses: ./"
check_eq "$(job_log a | grep '^root action')" "root action for slash
root action for nobody" "the root action ran for both steps"
finish
