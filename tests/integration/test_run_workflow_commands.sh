#!/usr/bin/env bash
# Workflow commands: ::error/::warning/::notice stored as annotations (file, line, col, title)
# without failing the step, ::group:: lines not printed raw, ::stop-commands:: suspends command
# processing until the token; and a dynamic matrix from a job output (fromJSON), vars,
# hashFiles, a job-level `if` on needs outputs. ::set-env / ::add-path only with the
# ACTIONS_ALLOW_UNSECURE_COMMANDS opt-in (job or step env), else refused and failing the step.
source "$(dirname "$0")/lib.sh"
setup_repo commands

sluice_run --var REGION=eu-west-1
check_rc 0
check_eq "$(db "SELECT group_concat(level || '|' || message || '|' || title || '|' || file || '|' || line || '|' || col, ';') FROM (SELECT * FROM annotations ORDER BY id)")" \
  "error|something broke|Bad thing|src/a.txt|3|7;warning|watch out||src/a.txt|10|0;notice|just so you know|||0|0;notice|commands again|||0|0" \
  "annotations"
check_eq "$(step_status annotate 0)" success "::error does not fail the step"
log=$(step_log annotate 0)
grep -qxF "inside group" <<<"$log" || fail "group content missing"$'\n'"$log"
! grep -qF "::group::" <<<"$log" || fail "raw ::group:: in the log"
grep -qxF "::warning::not a command while stopped" <<<"$log" || fail "::stop-commands:: did not stop processing"$'\n'"$log"
! grep -qF "stop-token-42" <<<"$log" || fail "the stop token was printed"
check_eq "$(step_log annotate 2)" "var=eu-west-1 missing-var=[]
hash-length=nonempty
no-files-hash=[]" "vars and hashFiles"
check_eq "$(sort "$REPO/targets.txt" | tr '\n' ' ')" "target=alpha target=beta " "matrix from a job output"
check_eq "$(job_status deploy)" skipped "job if on needs output"
check_contains "4 actions: 3 succeeded, 0 failed, 0 timed out, 0 cancelled, 1 skipped"
if has_command show; then
  sluice_cmd show 1
  check_contains "something broke" "annotations in \`sluice show\`"
fi

# A malformed --var is an invalid invocation (exit 2), not an empty vars context.
sluice_run --var REGION
check_rc 2 "--var without '='"
check_contains "--var 'REGION' must be KEY=VALUE"

# Regression (issue 9 §4): the ACTIONS_ALLOW_UNSECURE_COMMANDS opt-in was missing.
setup_repo unsecure-commands
unset ACTIONS_ALLOW_UNSECURE_COMMANDS
sluice_run
check_rc 1 "a refused ::set-env fails its step"
check_eq "$(job_status allowed)" success "opted-in job"
check_eq "$(step_log allowed 1)" "env=[set by a command]
mytool ran" "::set-env / ::add-path with the opt-in"
check_eq "$(step_status refused 0)" failure "::set-env without the opt-in"
check_eq "$(db "SELECT reason FROM steps WHERE run_id=$(last_run) AND job_key='refused' AND step_index=0")" \
  'the `set-env` command is disabled (ACTIONS_ALLOW_UNSECURE_COMMANDS is not true)' "refusal reason"
check_eq "$(step_log refused 2)" "sneaky=[] step-level=[step level]" "refused vs step-level opt-in"
check_eq "$(db "SELECT count(*) FROM annotations WHERE run_id=$(last_run) AND level='warning' AND message LIKE 'The \`%\` command is deprecated and will be disabled soon.%'")" 3 \
  "GitHub's warning for each allowed command"
log=$(step_log refused 0)
grep -qF "Error: The \`set-env\` command is disabled. Please upgrade to using Environment Files or opt into unsecure command execution by setting the \`ACTIONS_ALLOW_UNSECURE_COMMANDS\` environment variable to \`true\`." <<<"$log" ||
  fail "GitHub's refusal text missing"$'\n'"$log"

finish
