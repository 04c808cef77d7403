#!/usr/bin/env bash
# The `sluice/scan@v1` pipeline gate, through `sluice run` on examples/iac-gate: it fails the
# job on an unencrypted bucket and an open security group (findings become annotations in
# `sluice show`, the report is kept with the run), the deploy job that needs it is skipped;
# after the fix and a documented suppression the gate passes and the deploy runs.
source "$(dirname "$0")/lib.sh"
REPO=$WORK/repo DATA=$WORK/data
mkdir -p "$REPO"
cp -R "$SOURCE_DIR/examples/iac-gate/." "$REPO/"
rm -rf "$REPO/.sluice" "$REPO/reports"

sluice_run
check_rc 1 "gate before the fix"
check_contains "AwsSolutions-EC23" "open security group finding"
check_contains "AwsSolutions-S10" "bucket finding"
check_contains "job skipped: needed job 'gate' failure" "deploy skipped"
[ -f "$REPO/reports/sluice-scan.sarif" ] || fail "no SARIF report in reports/"
report=$(find "$DATA/artifacts" -name 'sluice-scan.sarif' | head -1)
[ -n "$report" ] || fail "no report kept with the run under $DATA/artifacts"
[ -n "$report" ] && check_file_contains "$report" '"version": "2.1.0"'
show=$("$SLUICE" show latest --data-dir "$DATA" 2>&1) || true
grep -qF "AwsSolutions-EC23" <<<"$show" || fail "sluice show lacks the EC23 annotation"$'\n'"$show"
grep -qE "IacGateStack.template.json:[0-9]+" <<<"$show" || fail "annotation without file:line"$'\n'"$show"

# "Push the fix": the fixed synthesis, with one suppression whose reason is documented.
rm -rf "$REPO/cdk.out"
cp -R "$SOURCE_DIR/examples/iac-gate/cdk.out-fixed" "$REPO/cdk.out"
sluice_run
check_rc 0 "gate after the fix"
check_contains "[deploy] ✓ job success" "deploy runs after the fix"
finish
