# Shared helpers for the `sluice run` integration tests (sourced, not run).
# Each test: `source lib.sh; setup_repo FIXTURE; sluice_run ...; check_* ...; finish`.
# Checks record failures and go on, so one run reports every broken expectation.
set -euo pipefail
: "${SLUICE:?path of the sluice binary}" "${FIXTURES:?fixtures directory}"
SOURCE_DIR=${SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
TEST_NAME=$(basename "$0" .sh)
FAILURES=0
WORK=$(mktemp -d "${TMPDIR:-/tmp}/sluice-it.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
# Remote actions: never the internet (an action not under --actions-dir is looked for in an
# empty local source), and a cache of this test's own.
export SLUICE_ACTION_SOURCES=${SLUICE_ACTION_SOURCES:-file://$WORK/no-action-source}
export XDG_CACHE_HOME=$WORK/cache
# set -e stops a test at an unexpected failing command: say which one.
trap 'echo "ERROR [$TEST_NAME]: line $LINENO: \`$BASH_COMMAND\` failed" >&2' ERR
OUT="" RC=0

fail() { echo "FAIL [$TEST_NAME]: $*" >&2; FAILURES=$((FAILURES + 1)); }

# setup_repo NAME: copies fixtures/run/NAME to $REPO; run history goes to $DATA.
setup_repo() {
  REPO=$WORK/repo DATA=$WORK/data
  rm -rf "$REPO" "$DATA"
  mkdir -p "$REPO"
  cp -R "$FIXTURES/run/$1/." "$REPO/"
}

# sluice_run ARGS...: `sluice run $REPO --data-dir $DATA ARGS`; sets $OUT (stdout+stderr) and $RC.
# A run that hangs is killed after $RUN_TIMEOUT seconds and reported.
RUN_TIMEOUT=${RUN_TIMEOUT:-60}
sluice_run() {
  RC=0
  OUT=$(timeout -k 5 "$RUN_TIMEOUT" "$SLUICE" run "$REPO" --data-dir "$DATA" "$@" 2>&1) || RC=$?
  [ "$RC" -ne 124 ] && [ "$RC" -ne 137 ] || fail "sluice run $* hung (killed after ${RUN_TIMEOUT}s)"
}

show_out() { printf '%s\n' "--- output:" "$OUT" "---" >&2; }
check_rc() {  # check_rc EXPECTED [LABEL]
  [ "$RC" -eq "$1" ] || { fail "${2:-run}: exit $RC, expected $1"; show_out; }
}
check_contains() {  # check_contains TEXT [LABEL]: $OUT contains TEXT (fixed string)
  grep -qF -- "$1" <<<"$OUT" || { fail "${2:-output} lacks '$1'"; show_out; }
}
check_lacks() {  # check_lacks TEXT [LABEL]
  ! grep -qF -- "$1" <<<"$OUT" || { fail "${2:-output} contains '$1'"; show_out; }
}
check_eq() {  # check_eq ACTUAL EXPECTED LABEL
  [ "$1" = "$2" ] || fail "$3: got '$1', expected '$2'"
}
check_file_contains() {  # check_file_contains FILE TEXT
  [ -f "$1" ] && grep -qF -- "$2" "$1" || fail "file $1 lacks '$2'"
}
# line_of TEXT: number of the first line of $OUT containing TEXT (empty when absent).
line_of() { grep -nF -- "$1" <<<"$OUT" | head -1 | cut -d: -f1 || true; }
check_before() {  # check_before FIRST SECOND: FIRST appears on an earlier line than SECOND
  local a b
  a=$(line_of "$1") b=$(line_of "$2")
  [ -n "$a" ] && [ -n "$b" ] && [ "$a" -lt "$b" ] || { fail "'$1' not before '$2'"; show_out; }
}

# The run history database (read with the sqlite3 CLI).
db() { sqlite3 "$DATA/sluice.db" "$@"; }
last_run() { db "SELECT max(id) FROM runs"; }
job_status() { db "SELECT status FROM jobs WHERE run_id=$(last_run) AND key='$1'"; }
step_status() { db "SELECT status FROM steps WHERE run_id=$(last_run) AND job_key='$1' AND step_index=$2"; }
# slice PATH OFFSET BYTES: one step attempt's part of its job's log file.
slice() { [ -f "$DATA/$1" ] && tail -c +"$(($2 + 1))" "$DATA/$1" | head -c "$3" || true; }
# step_log JOB STEP_INDEX [ATTEMPT]: the log of one step attempt of the last run.
step_log() {
  local row
  row=$(db -separator ' ' "SELECT log_path, log_offset, log_bytes FROM attempts WHERE run_id=$(last_run) AND job_key='$1' AND step_index=$2 AND attempt=${3:-1} AND log_path<>'' ORDER BY job_attempt DESC LIMIT 1")
  [ -n "$row" ] && slice $row
}
# job_log JOB: every step log of the job in the last run, in step and attempt order.
job_log() {
  local p o b
  db -separator ' ' "SELECT log_path, log_offset, log_bytes FROM attempts WHERE run_id=$(last_run) AND job_key='$1' AND log_path<>'' ORDER BY job_attempt, step_index, attempt" |
    while read -r p o b; do slice "$p" "$o" "$b"; done
}

# has_command NAME: true when this sluice binary has the subcommand (show/logs/runs landed later).
has_command() { "$SLUICE" "$1" --help >/dev/null 2>&1; }
# sluice_cmd ARGS...: any other subcommand on $DATA; sets $OUT and $RC.
sluice_cmd() {
  RC=0
  OUT=$(timeout -k 5 "$RUN_TIMEOUT" "$SLUICE" "$@" --data-dir "$DATA" 2>&1) || RC=$?
}

finish() {
  if [ "$FAILURES" -gt 0 ]; then
    echo "$TEST_NAME: $FAILURES failure(s)" >&2
    exit 1
  fi
  echo "$TEST_NAME: all checks passed"
}
