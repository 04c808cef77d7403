#!/usr/bin/env bash
# Masking: secrets given with --secret and --secrets-file, and values registered with
# ::add-mask::, never appear in the live output, the step logs, `sluice logs`, or anywhere
# in the data directory (sqlite database with outputs and annotations, WAL, log files).
source "$(dirname "$0")/lib.sh"
setup_repo masking
secret="s3cr3t-Api-T0ken-4242"  # sluice:allow (a fake secret for the masking test)
file_secret="f1le-S3cret-9x9x"
masked="dyn4mic-Pa55-7781"
printf 'FILE_SECRET=%s\n' "$file_secret" >"$WORK/secrets.env"

sluice_run --secret "API_TOKEN=$secret" --secrets-file "$WORK/secrets.env"
check_rc 0
log=$(job_log mask; job_log downstream)
# The steps did print the values (masked): the logs show *** where they were.
grep -qxF "env token is ***" <<<"$log" || fail "masked secret in the log"$'\n'"$log"
grep -qxF "direct *** and file ***" <<<"$log" || fail "masked secrets in the log"$'\n'"$log"
grep -qxF "before mask: visible-value-1234" <<<"$log" || fail "text printed before ::add-mask:: is kept"$'\n'"$log"
grep -qxF "after mask ***" <<<"$log" || fail "::add-mask:: value in the same step"$'\n'"$log"
grep -qxF "next step ***" <<<"$log" || fail "::add-mask:: value in a later step"$'\n'"$log"
check_lacks "::add-mask::" "live output"

for value in "$secret" "$file_secret" "$masked"; do
  check_lacks "$value" "live output"
  ! grep -qF -- "$value" <<<"$log" || fail "'$value' in the step logs"
  n=$( (grep -rcaF -- "$value" "$DATA" || true) | awk -F: '{s += $NF} END {print s + 0}')
  check_eq "$n" 0 "occurrences of '$value' in the data directory (db, WAL, logs)"
done
# `sluice logs` (when this binary has it) shows the masked log too.
if "$SLUICE" logs --help >/dev/null 2>&1; then
  logs_out=$("$SLUICE" logs 1 --data-dir "$DATA" 2>&1 || true)
  for value in "$secret" "$file_secret" "$masked"; do
    ! grep -qF -- "$value" <<<"$logs_out" || fail "'$value' in \`sluice logs\` output"
  done
  grep -qF "after mask ***" <<<"$logs_out" || fail "\`sluice logs 1\` does not show the step log"$'\n'"$logs_out"
fi
# The annotation was stored, masked.
check_eq "$(db "SELECT message FROM annotations WHERE level='warning'")" "annotation with ***" "masked annotation"

# A secret in a step name is masked in the live output and the history too.
rm -rf "$DATA"
sluice_run --event workflow_dispatch -w .github/workflows/step-name.yml --secret "API_TOKEN=$secret"
check_rc 0 "step name"
check_eq "$(job_log named)" "named-step-ran" "step name: the step ran"
check_lacks "$secret" "step name: live output"
check_eq "$( (grep -rcaF -- "$secret" "$DATA" || true) | awk -F: '{s += $NF} END {print s + 0}')" 0 "step name: data directory"

# Everything else sluice writes (issue 8 §3): a summary, an error message quoting a value,
# annotation fields, the derived forms GitHub masks, a long line's split point.
rm -rf "$DATA"
url_secret="p@ss w0rd/+x!9"
json_secret=$'pa"ss\\wo\nrd-\t77'
sluice_run --event workflow_dispatch -w .github/workflows/leaks.yml --secret "API_TOKEN=$secret" \
  --secret "URL_SECRET=$url_secret" --secret "JSON_SECRET=$json_secret"
check_rc 1 "leaks"  # the step with a missing working directory fails
[ -s "$DATA/logs/$(last_run)/summary.md" ] || fail "leaks: no summary.md written"
grep -qF "summary has ***" "$DATA/logs/$(last_run)/summary.md" || fail "leaks: masked summary"
leak_log=$(job_log leak)
grep -qF "***" <<<"$leak_log" || fail "leaks: the log shows no masked value"
grep -qxF "url: ***" <<<"$leak_log" || fail "leaks: URL-encoded secret"$'\n'"$leak_log"
grep -qF '"JSON_SECRET": "***"' <<<"$leak_log" || fail "leaks: toJSON(secrets)"$'\n'"$leak_log"
# What may not appear: each value, and each derived form long enough to say something.
forms=("$secret" "$url_secret" 'pa"ss\wo' $'rd-\t77')
forms+=("$(printf '%s' "$secret" | base64)" "$(printf '%s' "$url_secret" | base64)")
forms+=("$(printf '%s' "$secret" | base64 | cut -c 5-20)" "$(printf 'xy:%s' "$secret" | base64 | cut -c 5-24)")
forms+=("$(printf 'u:%s' "$url_secret" | base64 | cut -c 4-16)")
forms+=("$(jq -rn --arg v "$url_secret" '$v|@uri')" "$(jq -n --arg v "$json_secret" '$v' | cut -c 2-12)")
forms+=('wo\nrd')
dump=$(db .dump)
for value in "${forms[@]}"; do
  check_lacks "$value" "leaks: live output"
  n=$( (grep -rcaF -- "$value" "$DATA" || true) | awk -F: '{s += $NF} END {print s + 0}')
  check_eq "$n" 0 "leaks: occurrences of '$value' in the data directory"
  ! grep -qF -- "$value" <<<"$dump" || fail "leaks: '$value' in the database dump"
done
check_eq "$(db "SELECT title || ' ' || file || ' ' || message FROM annotations WHERE run_id=$(last_run)")" \
  "t *** ***.txt message ***" "leaks: annotation fields"
check_contains "/nonexistent/***" "leaks: the error names the masked directory"

# A --secret without its KEY= is the bare secret: the error must not quote it.
sluice_run --secret "$secret"
check_rc 2 "--secret without KEY="
check_contains "--secret must be KEY=VALUE" "--secret without KEY="
check_lacks "${secret:0:8}" "--secret without KEY="

finish
