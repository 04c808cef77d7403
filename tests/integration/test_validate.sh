#!/usr/bin/env bash
# `sluice validate`: exit codes, the summary line and one distinct message per invalid fixture.
# Each fixture in fixtures/validate/invalid declares what the output must contain with
# `# expect: <substring>` lines.
set -uo pipefail
: "${SLUICE:?path of the sluice binary}" "${FIXTURES:?fixtures directory}"
dir="$FIXTURES/validate"
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

run() {  # run ARGS...: sets $out and $rc
  out=$("$SLUICE" validate "$@" 2>&1)
  rc=$?
}

# A valid repository (both workflow folders, a reusable workflow, a local action): exit 0.
run "$dir/valid"
[ "$rc" -eq 0 ] || fail "valid repository: exit $rc, expected 0"$'\n'"$out"
grep -qx "3 files, 0 errors" <<<"$out" || fail "valid repository: summary line missing"$'\n'"$out"

# Default directory is "." .
out=$(cd "$dir/valid" && "$SLUICE" validate 2>&1); rc=$?
[ "$rc" -eq 0 ] || fail "default dir: exit $rc"$'\n'"$out"
grep -qx "3 files, 0 errors" <<<"$out" || fail "default dir: summary"$'\n'"$out"

# A single valid file.
run "$dir/valid/.sluice/workflows/nightly.yaml"
[ "$rc" -eq 0 ] && grep -qx "1 file, 0 errors" <<<"$out" || fail "single file"$'\n'"$out"

# Each invalid fixture: exit 1, every expected message, and the summary.
count=0
for f in "$dir"/invalid/*.yml; do
  count=$((count + 1))
  name=$(basename "$f")
  run "$f"
  [ "$rc" -eq 1 ] || fail "$name: exit $rc, expected 1"$'\n'"$out"
  while IFS= read -r expect; do
    grep -qF -- "$expect" <<<"$out" || fail "$name: output lacks '$expect'"$'\n'"$out"
  done < <(sed -n 's/^# expect: //p' "$f")
  grep -qE "^1 file, [1-9][0-9]* errors?$" <<<"$out" || fail "$name: summary"$'\n'"$out"
done
[ "$count" -ge 15 ] || fail "expected at least 15 invalid fixtures, found $count"

# All invalid files at once: every file is reported, errors are counted together.
run "$dir"/invalid/*.yml
[ "$rc" -eq 1 ] || fail "all invalid: exit $rc"
grep -qE "^$count files, [0-9]+ errors$" <<<"$out" || fail "all invalid: summary"$'\n'"$out"

# Reusable workflows and local actions are checked against the files they call.
run "$dir/calls"
[ "$rc" -eq 1 ] || fail "calls: exit $rc"
for expect in \
  "caller.yml:4:11: error: reusable workflow './.github/workflows/does-not-exist.yml' called by job 'missing' does not exist" \
  "caller.yml:6:11: error: reusable workflow './.github/workflows/plain.yml' called by job 'not-callable' does not have \`on: workflow_call\`" \
  "caller.yml:8:11: error: job 'missing-input' does not pass required input 'version' of './.github/workflows/callee.yml'" \
  "caller.yml:9:21: error: job 'missing-input' passes input 'verison', which './.github/workflows/callee.yml' does not declare" \
  "hint: did you mean 'version'?" \
  "caller.yml:13:15: error: step 1 of job 'action' does not pass required input 'token' of action './actions/needs-input'" \
  "caller.yml:14:15: warning: local action './actions/nowhere' used by step 2 of job 'action' does not exist (yet)"; do
  grep -qF -- "$expect" <<<"$out" || fail "calls: output lacks '$expect'"$'\n'"$out"
done

# Reusable workflows that call themselves, directly or in a cycle: every `uses:` of the cycle
# is named with its position, in validate and in plan.
wf="$dir/cycles/.github/workflows"
run "$dir/cycles"
[ "$rc" -eq 1 ] || fail "cycles: exit $rc"$'\n'"$out"
for expect in \
  "$wf/a.yml:9:11: error: reusable workflows call each other in a cycle: $wf/a.yml:9:11 uses ./.github/workflows/b.yml, $wf/b.yml:4:11 uses ./.github/workflows/a.yml" \
  "$wf/b.yml:4:11: error: reusable workflows call each other in a cycle: $wf/b.yml:4:11 uses ./.github/workflows/a.yml, $wf/a.yml:9:11 uses ./.github/workflows/b.yml" \
  "$wf/self.yml:4:11: error: workflow calls itself: $wf/self.yml:4:11 uses ./.github/workflows/self.yml" \
  "3 files, 3 errors"; do
  grep -qF -- "$expect" <<<"$out" || fail "cycles: output lacks '$expect'"$'\n'"$out"
done
out=$("$SLUICE" plan "$dir/cycles" 2>&1); rc=$?
[ "$rc" -eq 2 ] || fail "cycles, plan: exit $rc, expected 2"$'\n'"$out"
grep -qF "$wf/a.yml:9:11: error: reusable workflows call each other in a cycle" <<<"$out" ||
  fail "cycles, plan: no cycle reported"$'\n'"$out"

# Hostile files: refused at once with the position (a 100,000-job file is over the 500 KB
# limit; 257 jobs are one too many; invalid UTF-8 and NUL bytes are not text).
hostile=$(mktemp -d)
{ echo "on: push"; echo "jobs:"; for i in $(seq 0 256); do echo "  j$i: {runs-on: x, steps: [{run: a}]}"; done; } >"$hostile/jobs.yml"
printf 'on: push\njobs:\n  a:\n    name: caf\xe9\n    runs-on: x\n    steps: [{run: a}]\n' >"$hostile/latin1.yml"
printf 'on: push\njobs:\n  a: {runs-on: x\0, steps: [{run: a}]}\n' >"$hostile/nul.yml"
run "$hostile/jobs.yml" "$hostile/latin1.yml" "$hostile/nul.yml"
[ "$rc" -eq 1 ] || fail "hostile: exit $rc"$'\n'"$out"
for expect in \
  "jobs.yml:259:3: error: too many jobs: job 'j256' is number 257; a workflow has at most 256 jobs" \
  "latin1.yml:4:14: error: invalid UTF-8 (byte \\xe9): workflow files must be UTF-8 text" \
  "nul.yml:3:17: error: binary data: NUL byte (\\x00) in a text file"; do
  grep -qF -- "$expect" <<<"$out" || fail "hostile: output lacks '$expect'"$'\n'"$out"
done
rm -rf "$hostile"

# A path that does not exist: exit 2.
run "$dir/no-such-file.yml"
[ "$rc" -eq 2 ] || fail "missing path: exit $rc, expected 2"
grep -qF "path '$dir/no-such-file.yml' does not exist" <<<"$out" || fail "missing path: message"$'\n'"$out"

# A directory without workflow files: exit 2.
empty=$(mktemp -d)
out=$(cd "$empty" && "$SLUICE" validate 2>&1); rc=$?
rmdir "$empty"
[ "$rc" -eq 2 ] || fail "empty dir: exit $rc, expected 2"
grep -qF "no workflow files in '.'" <<<"$out" || fail "empty dir: message"$'\n'"$out"

if [ "$failures" -gt 0 ]; then
  echo "$failures failure(s)"
  exit 1
fi
echo "test_validate: all checks passed ($count invalid fixtures)"
