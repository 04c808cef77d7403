#!/usr/bin/env bash
# Step outputs (GITHUB_OUTPUT, multi-line name<<DELIM, SLUICE_OUTPUT alias) into job outputs
# and needs.<job>.outputs; GITHUB_ENV (multi-line, SLUICE_ENV alias), GITHUB_PATH,
# GITHUB_STEP_SUMMARY / SLUICE_STEP_SUMMARY; env precedence; default GITHUB_*/RUNNER_* vars.
source "$(dirname "$0")/lib.sh"
setup_repo outputs

sluice_run --jobs 2
check_rc 0
check_eq "$(job_log produce)" "same job 1.2.3" "step output within the job"
check_eq "$(job_log consume)" "version=1.2.3
alias=sluice-alias
notes=[line one
line two]" "needs.produce.outputs"
check_eq "$(db "SELECT outputs_json FROM jobs WHERE key='produce'")" \
  '{"version":"1.2.3","notes":"line one\nline two","from-alias":"sluice-alias"}' "job outputs in the history"

log=$(job_log files)
for line in "FROM_STEP=set-by-step-1" "ALIAS_ENV=via-sluice-env" "LEVEL=job" "hello-tool on PATH" \
  "LEVEL=step expr=set-by-step-1" "GITHUB_JOB=files GITHUB_EVENT_NAME=push" "RUNNER_TEMP is a directory"; do
  grep -qxF -- "$line" <<<"$log" || fail "files job log lacks '$line'"
done
grep -qzF $'MULTI=[first\nsecond]' <<<"$log" || fail "multi-line GITHUB_ENV value"
! grep -q MISSING <<<"$log" || fail "default variables missing: $(grep MISSING <<<"$log" | tr '\n' ' ')"

# GITHUB_ENV overrides job env, a step's env overrides GITHUB_ENV; GITHUB_PATH entries are
# prepended, the last added first.
check_eq "$(job_log precedence)" "plain LEVEL=from-env-file expr=from-env-file
step LEVEL=step expr=step
bin2 bin1 " "env precedence and PATH order"

# Values containing '=' and empty values; malformed GITHUB_OUTPUT / GITHUB_ENV are reported.
log=$(job_log bad-files)
grep -qxF "eq=[b=c] empty=[]" <<<"$log" || fail "'=' in an output value, empty value"$'\n'"$log"
grep -qF "matching delimiter 'EOF' not found" <<<"$log" || fail "unclosed delimiter not reported"$'\n'"$log"
grep -qF "GITHUB_ENV line 1: invalid format" <<<"$log" || fail "invalid GITHUB_ENV line not reported"$'\n'"$log"
# The runner fails a step whose file commands cannot be processed.
grep -qxF "unclosed=failure invalid-env=failure" <<<"$log" || fail "malformed file commands fail the step"$'\n'"$log"

# The step summary is written next to the run's logs and named in the output.
summary=$(find "$DATA" -name 'summary.md' | head -1)
[ -n "$summary" ] || fail "no summary.md in $DATA"
check_file_contains "$summary" "### Build report"
check_file_contains "$summary" "all good"
check_contains "step summaries: "

finish
