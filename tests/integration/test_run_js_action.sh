#!/usr/bin/env bash
# JavaScript action (runs.using: node20) looked up as acme/hello@v1 under --actions-dir
# (<dir>/acme/hello/v1): INPUT_* inputs with defaults, GITHUB_OUTPUT and the legacy
# ::set-output, GITHUB_STATE handed to the post script, pre/main/post order (post after the
# last step, also when a later step fails).
source "$(dirname "$0")/lib.sh"
command -v node >/dev/null || { echo "SKIP: node is not installed"; exit 0; }
REPO=$WORK/repo DATA=$WORK/data
cp -R "$FIXTURES/run/js-action/repo" "$REPO"
cp -R "$FIXTURES/run/js-action/actions" "$WORK/actions"

sluice_run --actions-dir "$WORK/actions"
check_rc 0
log=$(job_log greet)
for line in "Hello, sluice!" "node v20 workspace=set" "greeting=Hello, sluice!" "legacy=legacy-value" "post done"; do
  grep -qxF -- "$line" <<<"$log" || fail "greet log lacks '$line'"$'\n'"$log"
done
check_lacks "::set-output" "live output"
check_before "Pre Run acme/hello@v1" "Post Run acme/hello@v1"
check_eq "$(tr '\n' ' ' <"$REPO/phases.txt")" "pre who=sluice main last-main-step post who=sluice state=sluice " \
  "phases in order, inputs in pre and post"

# post runs even though a later step failed.
rm -f "$REPO/phases.txt"
sluice_run --actions-dir "$WORK/actions" --event workflow_dispatch
check_rc 1 "failing job"
check_eq "$(tail -1 "$REPO/phases.txt")" "post who=failing state=failing" "post after a failed step"

# Without the action in --actions-dir: an error naming the action and the directory searched.
sluice_run --actions-dir "$WORK/empty-actions"
[ "$RC" -ne 0 ] || fail "missing action: exit 0"
check_contains "acme/hello@v1" "missing action"
check_contains "$WORK/empty-actions/acme/hello/v1" "missing action: directory searched"

finish
