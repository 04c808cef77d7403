#!/usr/bin/env bash
# `sluice scan --pack secrets` end to end: findings and exit codes, redaction in every
# report format, gitleaks-compatible config, allow comments, ignore file, --since.
# Secrets are assembled here at run time from fragments; the fixtures hold only configs
# and look-alikes.
set -uo pipefail
: "${SLUICE:?path of the sluice binary}" "${FIXTURES:?fixtures directory}"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/sluice-secrets-it.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
FAILURES=0
fail() { echo "FAIL [test_secrets_scan]: $*" >&2; FAILURES=$((FAILURES + 1)); }

# rand N: N characters from [A-Za-z0-9], deterministic per call index.
seed=1
rand() { seed=$((seed + 1)); python3 -c "import random,sys; r=random.Random($seed); a='0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'; sys.stdout.write(''.join(r.choice(a) for _ in range($1)))"; }

scan() {  # scan DIR ARGS...: sets OUT and RC
  local dir=$1; shift
  RC=0
  OUT=$(cd "$dir" && timeout 60 "$SLUICE" scan --pack secrets "$@" 2>&1) || RC=$?
}
expect_rc() { [ "$RC" -eq "$1" ] || fail "$2: exit $RC, expected $1; output:
$OUT"; }
expect_in() { grep -qF -- "$1" <<<"$OUT" || fail "$2: missing '$1' in:
$OUT"; }
expect_not_in() { ! grep -qF -- "$1" <<<"$OUT" || fail "$2: unexpected '$1'"; }

PAT="gh""p_$(rand 36)"
PASSWORD_VALUE="$(rand 22)"
ACME="acme_live_$(python3 -c "import random; r=random.Random(9); print(''.join(r.choice('abcdefghijklmnopqrstuvwxyz0123456789') for _ in range(24)))")"

# --- 1. a directory with secrets, binary and ignored files ---------------------------------
repo=$WORK/repo
mkdir -p "$repo/src" "$repo/build" "$repo/vendor"
printf 'import os\n\nTOKEN = "%s"\n' "$PAT" >"$repo/src/app.py"
printf 'DB_PASSWORD=%s\n' "$PASSWORD_VALUE" >"$repo/.env"
printf 'build/\n' >"$repo/.gitignore"
printf 'TOKEN = "%s"\n' "$PAT" >"$repo/build/bundle.js"
printf 'TOKEN = "%s"\n\0binary' "$PAT" >"$repo/blob.bin"
printf 'key = "%s"\n' "$ACME" >"$repo/vendor/lib.py"
printf 'key = "%s"\n' "$ACME" >"$repo/src/acme.py"

scan "$repo"
expect_rc 1 "secrets found"
expect_in "src/app.py:3" "github-pat position"
expect_in "github-pat" "github-pat rule"
expect_in "dotenv-secret" "dotenv rule"
expect_in "fingerprint src/app.py:github-pat:3" "fingerprint in text report"
expect_not_in "build/bundle.js" ".gitignore honoured"
expect_not_in "blob.bin" "binary file skipped"
expect_not_in "${PAT:4}" "secret redacted (text)"
expect_not_in "${PASSWORD_VALUE:4}" "password redacted (text)"

for format in json csv sarif junit; do
  scan "$repo" --format "$format"
  expect_rc 1 "$format exit code"
  expect_not_in "${PAT:4}" "secret redacted ($format)"
  expect_not_in "${PASSWORD_VALUE:4}" "password redacted ($format)"
done
scan "$repo" --format json
expect_in '"fingerprint": "src/app.py:github-pat:3"' "json fingerprint"
expect_in '"column": 10' "json column"

# --- 2. gitleaks-compatible config ----------------------------------------------------------
scan "$repo" --config "$FIXTURES/secrets/team.toml"
expect_rc 1 "team config"
expect_in "acme-api-key" "custom rule"
expect_in "github-pat" "useDefault keeps built-in rules"
expect_not_in "vendor/lib.py" "global allowlist path"

scan "$repo" --config "$FIXTURES/secrets/lookaround.toml"
expect_rc 2 "look-around rejected"
expect_in "token-with-lookahead" "rejected rule named"
expect_in "lookaround.toml:4:" "rejected rule position"

# --- 3. allow comments and the fingerprint ignore file --------------------------------------
allow=$WORK/allow
mkdir -p "$allow"
printf 'TOKEN = "%s"  # sluice:allow\nOTHER = "%s"  # gitleaks:allow\n' "$PAT" "$PAT" >"$allow/a.py"
printf 'TOKEN = "%s"\n' "$PAT" >"$allow/b.py"
scan "$allow"
expect_rc 1 "b.py still reported"
expect_not_in "a.py" "allow comments"
printf '# reviewed fixture\nb.py:github-pat:1\n' >"$allow/.sluiceignore-secrets"
scan "$allow"
expect_rc 0 "ignore file"

# --- 4. look-alikes are not findings --------------------------------------------------------
scan "$FIXTURES/secrets/clean"
expect_rc 0 "clean fixture"

# --- 5. --since: only lines added after REV -------------------------------------------------
git_repo=$WORK/git
mkdir -p "$git_repo"
(
  cd "$git_repo" && git init -q -b main . && git config user.email it@example.com &&
    git config user.name it &&
    printf 'OLD = "%s"\n' "$PAT" >old.py && printf 'a = 1\n' >new.py &&
    git add -A && git commit -q -m base && git tag base &&
    printf 'a = 1\nb = "%s"\n' "$PAT" >new.py && git add -A && git commit -q -m leak
) || fail "git setup"
scan "$git_repo" --since base
expect_rc 1 "--since finds the added line"
expect_in "new.py:2" "--since position"
expect_not_in "old.py" "--since skips older commits"
expect_in "added in commit" "--since names the commit"
scan "$git_repo" --since HEAD
expect_rc 0 "--since HEAD with a clean tree"
scan "$git_repo" --since no-such-revision
expect_rc 2 "--since unknown revision"

if [ "$FAILURES" -ne 0 ]; then
  echo "test_secrets_scan: $FAILURES failed"
  exit 1
fi
echo "test_secrets_scan: all checks passed"
