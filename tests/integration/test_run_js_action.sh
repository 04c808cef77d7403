#!/usr/bin/env bash
# JavaScript action (runs.using: node20) looked up as acme/hello@v1 under --actions-dir
# (<dir>/acme/hello/v1): INPUT_* inputs with defaults, GITHUB_OUTPUT and the legacy
# ::set-output, GITHUB_STATE from pre to main and post and from main to post, pre/main/post
# order (post after the last step, also when a later step fails). A node24 action with
# pre-if on its inputs and post-if: failure(). Local JavaScript actions read when their
# step starts (written or rewritten by an earlier step; no pre).
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
check_eq "$(tr '\n' ' ' <"$REPO/phases.txt")" \
  "pre who=sluice main pre-state=pre-of-sluice last-main-step post who=sluice state=sluice pre-state=pre-of-sluice " \
  "phases in order, inputs in pre and post, state from pre and main"
# node24, pre-if true on inputs.mode, post-if: failure() false in a successful job.
check_eq "$(tr '\n' ' ' <"$REPO/cleanup.txt")" "cleanup-pre mode=full cleanup-main mode=full " \
  "node24 action: pre-if on inputs, post-if: failure() in a successful job"
# Local actions: found although an earlier step wrote it, rewritten content runs.
sluice_run --actions-dir "$WORK/actions" --event workflow_dispatch -w .github/workflows/js-local.yml
check_rc 0 "local actions"
log=$(job_log local)
for line in "local action says generated" "output=generated" "new content" \
  "warning: \`pre\` execution is not supported for local action from './.generated/local-js'"; do
  grep -qxF -- "$line" <<<"$log" || fail "local job log lacks '$line'"$'\n'"$log"
done
! grep -qxE "local pre ran|old content" <<<"$log" || fail "local pre ran or old content ran"$'\n'"$log"
check_eq "$(job_status local)" success "local actions written by earlier steps"

# post runs even though a later step failed; post-if: failure() runs now, and the pre-if
# false on the default input (mode: quick) skipped the pre.
rm -f "$REPO/phases.txt" "$REPO/cleanup.txt"
sluice_run --actions-dir "$WORK/actions" --event workflow_dispatch -w .github/workflows/js-fail.yml
check_rc 1 "failing job"
check_eq "$(tail -1 "$REPO/phases.txt")" "post who=failing state=failing pre-state=pre-of-failing" \
  "post after a failed step"
check_eq "$(tr '\n' ' ' <"$REPO/cleanup.txt")" "cleanup-main mode=quick cleanup-post mode=quick " \
  "node24 action: pre-if false, post-if: failure() in a failed job"
check_contains "pre-if: condition was false" "skipped pre"

# Without the action in --actions-dir: an error naming the action and the directory searched.
sluice_run --actions-dir "$WORK/empty-actions"
[ "$RC" -ne 0 ] || fail "missing action: exit 0"
check_contains "cannot fetch action 'acme/cleanup@v2'" "missing action"
check_contains "$WORK/empty-actions/acme/cleanup/v2" "missing action: directory searched"

finish
