#!/usr/bin/env bash
# examples/etl (issue 2 section 6) on a copy: the run ends with "7 actions: 7 succeeded,
# 0 failed", denormalize's row counts flow into emit-end-event, the joined table is written;
# an invalid dataset fails its crawl instance and skips the jobs after it.
source "$(dirname "$0")/lib.sh"
command -v sqlite3 >/dev/null || { echo "SKIP: the sqlite3 CLI is not installed"; exit 0; }
command -v python3 >/dev/null || { echo "SKIP: python3 is not installed"; exit 0; }
REPO=$WORK/etl DATA=$WORK/data
mkdir -p "$REPO"
(cd "$SOURCE_DIR/examples/etl" && tar --exclude=./output --exclude=./.sluice -cf - .) | tar -xf - -C "$REPO"

# The schedule trigger (cron '0 10 1 * *') selects it too.
OUT=$("$SLUICE" plan "$REPO" --event schedule 2>&1) || fail "sluice plan --event schedule failed"
check_contains "etl.yml (covid19-etl): triggered" "plan --event schedule"

for event in workflow_dispatch push; do
  rm -rf "$DATA"
  sluice_run --event "$event"
  check_rc 0 "$event"
  check_contains "7 actions: 7 succeeded, 0 failed" "$event summary"
done

end_log=$(job_log emit-end-event)
for line in rows=48 countries=24 missing_icu=4 dropped=0; do
  grep -qxF "$line" <<<"$end_log" || fail "emit-end-event log lacks '$line'"$'\n'"$end_log"
done
check_eq "$(db "SELECT json_extract(outputs_json, '$.rows') FROM jobs WHERE key='denormalize' AND run_id=$(last_run)")" \
  48 "denormalize rows output"
table=$(grep '^table=' <<<"$end_log" | cut -d= -f2)
[ -f "$REPO/$table" ] || fail "joined table '$table' not written"
[ -f "$REPO/$table" ] && check_eq "$(wc -l <"$REPO/$table")" 49 "lines of the joined CSV (header + 48)"
grep -q '"event":"pipeline_finished".*"rows":48' "$REPO"/output/run-*/events.jsonl ||
  fail "pipeline_finished event missing"

# A dataset with a bad country code: its crawl instance fails, the join is skipped, exit 1.
sed -i 's/^AUT,AT,/AUSTRIA,AT,/' "$REPO/data/country_codes.csv"
rm -rf "$DATA"
sluice_run --event workflow_dispatch
check_rc 1 "invalid dataset"
check_contains "column iso3: 'AUSTRIA' is not an ISO 3166 alpha-3 code" "invalid dataset"
check_eq "$(job_status 'crawl (country_codes)')" failure "invalid dataset: its crawl instance"
check_eq "$(job_status denormalize)" skipped "invalid dataset: denormalize"
check_eq "$(job_status emit-end-event)" skipped "invalid dataset: emit-end-event"

finish
