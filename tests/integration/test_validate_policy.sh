#!/usr/bin/env bash
# Action origin policy (.sluice/policy.yml and --allow-action/--deny-action/
# --require-sha-pinning): a refused action or reusable workflow fails `sluice validate`,
# `sluice plan` and `sluice run` before anything runs, with file:line:col and the rule.
source "$(dirname "$0")/lib.sh"
REPO=$WORK/repo DATA=$WORK/data
mkdir -p "$REPO/.github/workflows" "$REPO/.github/actions/wrap" "$REPO/.sluice"
cat >"$REPO/.github/workflows/ci.yml" <<'YAML'
on: push
jobs:
  build:
    runs-on: x
    steps:
      - run: touch ran.txt
      - uses: actions/checkout@v4
      - uses: ./.github/actions/wrap
      - uses: sluice/scan@v1
YAML
cat >"$REPO/.github/actions/wrap/action.yml" <<'YAML'
name: wrap
runs:
  using: composite
  steps:
    - run: echo wrapped
      shell: bash
YAML
cat >"$REPO/.sluice/policy.yml" <<'YAML'
# what this repository may use
actions:
  allow: [actions/*]
  deny:
    - evil/*
YAML

sluice() { RC=0; OUT=$("$SLUICE" "$@" 2>&1) || RC=$?; }

# Allowed: actions/* is in the list, ./ is local, sluice/scan is built in.
sluice validate "$REPO"
check_rc 0 "validate with an allowing policy"

# A denied action inside the local composite action: refused at its own line, with the rule.
cat >>"$REPO/.github/actions/wrap/action.yml" <<'YAML'
    - uses: evil/x@v1
YAML
sluice validate "$REPO"
check_rc 1 "validate with a denied action in a composite action"
check_contains "$REPO/.github/actions/wrap/action.yml:7:13: error: action 'evil/x@v1' is denied by .sluice/policy.yml:5 (deny: evil/*) (in local action './.github/actions/wrap', used at"
sluice plan "$REPO"
check_rc 2 "plan with a denied action"
check_contains "is denied by .sluice/policy.yml:5 (deny: evil/*)"
RC=0; OUT=$("$SLUICE" run "$REPO" --data-dir "$DATA" 2>&1) || RC=$?
check_rc 2 "run with a denied action"
check_contains "is denied by .sluice/policy.yml:5 (deny: evil/*)"
[ ! -e "$REPO/ran.txt" ] || fail "a step ran although the policy refused the workflow"
sed -i '$d' "$REPO/.github/actions/wrap/action.yml"

# Not in the allow list: the workflow's own step, at the column of its `uses:` value.
sed -i 's|actions/checkout@v4|octo/tool@v2|' "$REPO/.github/workflows/ci.yml"
sluice validate "$REPO"
check_rc 1 "validate with an action outside the allow list"
check_contains ".github/workflows/ci.yml:7:15: error: action 'octo/tool@v2' is not allowed by .sluice/policy.yml:3 (allow: actions/*)"
check_contains "hint: add 'octo/tool' to 'allow' in .sluice/policy.yml if it is trusted"

# Flags narrow the file; they cannot widen it.
sed -i 's|octo/tool@v2|actions/checkout@v4|' "$REPO/.github/workflows/ci.yml"
sluice validate "$REPO" --deny-action 'actions/checkout'
check_rc 1 "--deny-action"
check_contains "ci.yml:7:15: error: action 'actions/checkout@v4' is denied by --deny-action actions/checkout"
sluice validate "$REPO" --allow-action 'myorg/*'
check_rc 1 "--allow-action narrows the file's allow list"
check_contains "action 'actions/checkout@v4' is not allowed by --allow-action (myorg/*)"
sluice validate "$REPO" --require-sha-pinning
check_rc 1 "--require-sha-pinning"
check_contains "ci.yml:7:15: error: action 'actions/checkout@v4' is not pinned to a full commit SHA, as --require-sha-pinning requires"
sed -i 's|actions/checkout@v4|actions/checkout@8f4b7f84864484a7bf31766abe9204da3cbe65b3|' \
  "$REPO/.github/workflows/ci.yml"
sluice validate "$REPO" --require-sha-pinning
check_rc 0 "a SHA-pinned action passes --require-sha-pinning (sluice/scan is built in)"
sluice validate "$REPO" --deny-action 'bad pattern'
check_rc 1 "malformed --deny-action pattern"
check_contains "error: --deny-action 'bad pattern' contains spaces"
sluice plan "$REPO" --require-sha-pinning --allow-action 'actions/*'
check_rc 0 "plan with flags that allow the workflow"

# Policy file errors point at the file, line and column.
cat >"$REPO/.sluice/policy.yml" <<'YAML'
actions:
  allow: [actions/*]
  requre-sha-pinning: true
YAML
sluice validate "$REPO"
check_rc 1 "misspelt key in the policy file"
check_contains "$REPO/.sluice/policy.yml:3:3: error: unknown key 'requre-sha-pinning' in 'actions'"
check_contains "did you mean 'require-sha-pinning'?"
RC=0; OUT=$("$SLUICE" run "$REPO" --data-dir "$DATA" 2>&1) || RC=$?
check_rc 2 "run with a broken policy file"
check_contains ".sluice/policy.yml:3:3: error: unknown key"
[ ! -e "$REPO/ran.txt" ] || fail "a step ran although the policy file is broken"

# With the policy fixed, the run goes ahead (actions/checkout is built in).
printf 'actions:\n  allow: [actions/*]\n' >"$REPO/.sluice/policy.yml"
RC=0; OUT=$("$SLUICE" run "$REPO" --data-dir "$DATA" 2>&1) || RC=$?
check_rc 0 "run with the policy allowing every action"
[ -e "$REPO/ran.txt" ] || fail "the allowed run did not run its steps"

# rerun applies the policy (file and flags) to the workflow as it is now.
rm -f "$REPO/ran.txt"
RC=0; OUT=$("$SLUICE" rerun latest --data-dir "$DATA" --deny-action 'actions/*' 2>&1) || RC=$?
check_rc 2 "rerun with a flag that denies the workflow's action"
check_contains "ci.yml:7:15: error: action 'actions/checkout@8f4b7f84864484a7bf31766abe9204da3cbe65b3' is denied by --deny-action actions/*"
[ ! -e "$REPO/ran.txt" ] || fail "a step ran although the policy refused the re-run"

finish
