#!/usr/bin/env bash
# Remote actions and reusable workflows fetched with git from a local `git daemon` (and a
# file:// source): a JS action by annotated tag, by branch and by pinned SHA; a composite
# action that itself uses a remote action; a remote reusable workflow that calls another.
# Checks outputs, github.action_* / GITHUB_ACTION_* values, the commit recorded in
# `sluice show`, the shared cache (a second run with the daemon stopped and --offline), the
# message for a missing action, and that two concurrent runs fetch each repository once.
source "$(dirname "$0")/lib.sh"
command -v node >/dev/null || { echo "SKIP: node is not installed"; exit 0; }
[ -x "$(git --exec-path)/git-daemon" ] || { echo "SKIP: git daemon is not installed"; exit 0; }
RUN_TIMEOUT=60
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.test GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.test
SERVED=$WORK/served  # git daemon --base-path: SERVED/acme/<repo>.git

# publish NAME TAG...: commits the files under $WORK/src/NAME and pushes branch main (and
# the tags already made) to the bare repository SERVED/acme/NAME.git.
publish() {
  local name=$1
  git -C "$WORK/src/$name" add -A
  git -C "$WORK/src/$name" commit -q -m "$2"
  [ -d "$SERVED/acme/$name.git" ] || git init -q --bare "$SERVED/acme/$name.git"
  git -C "$WORK/src/$name" push -q --tags "$SERVED/acme/$name.git" main
}
new_src() { mkdir -p "$WORK/src/$1" && git -C "$WORK/src/$1" init -q -b main; }

# A JavaScript action: v1 (annotated tag) says "one", main says "two".
new_src js-action
cat >"$WORK/src/js-action/action.yml" <<'EOF'
name: js
inputs:
  greeting: {default: hello}
outputs:
  said: {description: what it said}
runs: {using: node20, main: index.js}
EOF
write_js() {
  cat >"$WORK/src/js-action/index.js" <<EOF
const fs = require('fs');
const e = process.env;
const said = e.INPUT_GREETING + '-$1';
console.log('js said=' + said + ' repo=' + e.GITHUB_ACTION_REPOSITORY + ' ref=' + e.GITHUB_ACTION_REF +
  ' path-ok=' + fs.existsSync(e.GITHUB_ACTION_PATH + '/index.js'));
fs.appendFileSync(e.GITHUB_OUTPUT, 'said=' + said + '\n');
EOF
}
write_js one
publish js-action "one"
git -C "$WORK/src/js-action" tag -a v1 -m v1
git -C "$WORK/src/js-action" push -q --tags "$SERVED/acme/js-action.git"
SHA_ONE=$(git -C "$WORK/src/js-action" rev-parse HEAD)
write_js two
publish js-action "two"
SHA_TWO=$(git -C "$WORK/src/js-action" rev-parse HEAD)

# A composite action (in a sub-directory, on branch release/v2) that uses the JS action.
new_src composite
mkdir -p "$WORK/src/composite/greet"
cat >"$WORK/src/composite/greet/action.yml" <<'EOF'
name: composite
outputs:
  said: {value: "${{ steps.inner.outputs.said }}"}
runs:
  using: composite
  steps:
    - id: inner
      uses: acme/js-action@main
      with: {greeting: nested}
    - shell: bash
      run: echo "composite repo=${{ github.action_repository }} ref=${{ github.action_ref }} env=$GITHUB_ACTION_REPOSITORY@$GITHUB_ACTION_REF"
EOF
publish composite "composite"
git -C "$WORK/src/composite" push -q "$SERVED/acme/composite.git" main:release/v2

# A reusable workflow (tag v3) calling another remote reusable workflow (branch main).
new_src workflows
mkdir -p "$WORK/src/workflows/.github/workflows"
cat >"$WORK/src/workflows/.github/workflows/outer.yml" <<'EOF'
on:
  workflow_call:
    inputs:
      word: {type: string, required: true}
jobs:
  first:
    runs-on: ubuntu-latest
    steps:
      - run: echo "outer got ${{ inputs.word }}"
  deeper:
    uses: acme/inner-workflows/.github/workflows/inner.yml@main
    with: {word: "${{ inputs.word }}-deeper"}
EOF
publish workflows "outer"
git -C "$WORK/src/workflows" tag v3
git -C "$WORK/src/workflows" push -q --tags "$SERVED/acme/workflows.git"
new_src inner-workflows
mkdir -p "$WORK/src/inner-workflows/.github/workflows"
cat >"$WORK/src/inner-workflows/.github/workflows/inner.yml" <<'EOF'
on:
  workflow_call:
    inputs:
      word: {type: string, required: true}
jobs:
  echo:
    runs-on: ubuntu-latest
    steps:
      - run: echo "inner got ${{ inputs.word }}"
      - uses: acme/js-action@v1
        with: {greeting: inner}
EOF
publish inner-workflows "inner"

# The repository whose workflow uses all of them.
REPO=$WORK/repo DATA=$WORK/data
mkdir -p "$REPO/.github/workflows"
cat >"$REPO/.github/workflows/ci.yml" <<EOF
on: push
jobs:
  actions:
    runs-on: ubuntu-latest
    steps:
      - id: tagged
        uses: acme/js-action@v1
        with: {greeting: hi}
      - id: branch
        uses: acme/js-action@main
      - id: pinned
        uses: acme/js-action@$SHA_ONE
        with: {greeting: pin}
      - id: composite
        uses: acme/composite/greet@release/v2
      - run: |
          echo "outputs \${{ steps.tagged.outputs.said }} \${{ steps.branch.outputs.said }} \${{ steps.pinned.outputs.said }} \${{ steps.composite.outputs.said }}"
          echo "run step repo=[\$GITHUB_ACTION_REPOSITORY] ref=[\$GITHUB_ACTION_REF] ctx=[\${{ github.action_repository }}]"
          echo "runner os=\$RUNNER_OS arch=\$RUNNER_ARCH image=\$ImageOS tools=\$RUNNER_TOOL_CACHE agent=\$AGENT_TOOLSDIRECTORY"
  call:
    uses: acme/workflows/.github/workflows/outer.yml@v3
    with: {word: bird}
EOF

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
DAEMON_PID=""
start_daemon() {
  git daemon --base-path="$SERVED" --export-all --reuseaddr --listen=127.0.0.1 --port="$PORT" \
    --verbose --log-destination=stderr "$SERVED" 2>>"$WORK/daemon.log" &
  DAEMON_PID=$!
  for _ in $(seq 1 200); do  # until it answers (git daemon has no readiness signal)
    git ls-remote "git://127.0.0.1:$PORT/acme/js-action" >/dev/null 2>&1 && return 0
    kill -0 "$DAEMON_PID" 2>/dev/null || break
    sleep 0.05
  done
  fail "git daemon did not start on port $PORT"; cat "$WORK/daemon.log" >&2; finish
}
stop_daemon() { [ -z "$DAEMON_PID" ] || { kill "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null || true; DAEMON_PID=""; }; }
trap 'stop_daemon; rm -rf "$WORK"' EXIT
start_daemon
SOURCE="git://127.0.0.1:$PORT/"
: >"$WORK/daemon.log"

# 1. Everything fetched from the daemon (first source: an empty file:// mirror, skipped).
mkdir -p "$WORK/empty-mirror"
sluice_run --action-source "file://$WORK/empty-mirror" --action-source "$SOURCE"
check_rc 0
log=$(job_log actions)
for line in "js said=hi-one repo=acme/js-action ref=v1 path-ok=true" \
  "js said=hello-two repo=acme/js-action ref=main path-ok=true" \
  "js said=pin-one repo=acme/js-action ref=$SHA_ONE path-ok=true" \
  "js said=nested-two repo=acme/js-action ref=main path-ok=true" \
  "composite repo=acme/composite ref=release/v2 env=acme/composite@release/v2" \
  "outputs hi-one hello-two pin-one nested-two" \
  "run step repo=[] ref=[] ctx=[]" \
  "runner os=Linux arch=$( [ "$(uname -m)" = aarch64 ] && echo ARM64 || echo X64) image=ubuntu22 tools=$XDG_CACHE_HOME/sluice/tool-cache agent=$XDG_CACHE_HOME/sluice/tool-cache"; do
  grep -qxF -- "$line" <<<"$log" || fail "actions log lacks '$line'"$'\n'"$log"
done
check_eq "$(job_log 'call / first')" "outer got bird" "remote reusable workflow"
check_eq "$(job_log 'call / deeper / echo' | head -1)" "inner got bird-deeper" "nested remote reusable workflow"
grep -qxF "js said=inner-one repo=acme/js-action ref=v1 path-ok=true" <<<"$(job_log 'call / deeper / echo')" ||
  fail "action in the nested called workflow"
check_eq "$(job_status 'call / deeper / echo')" success "nested called job"
# The resolved commits: on the steps and the caller jobs, in the store and in `sluice show`.
check_eq "$(db "SELECT action_sha FROM steps WHERE run_id=$(last_run) AND job_key='actions' AND step_id='tagged'")" "$SHA_ONE" "commit of @v1"
check_eq "$(db "SELECT action_sha FROM steps WHERE run_id=$(last_run) AND job_key='actions' AND step_id='branch'")" "$SHA_TWO" "commit of @main"
check_eq "$(db "SELECT workflow_sha FROM jobs WHERE run_id=$(last_run) AND key='call'")" \
  "$(git -C "$WORK/src/workflows" rev-parse HEAD)" "commit of the called workflow"
check_eq "$(db "SELECT action_sha FROM steps WHERE run_id=$(last_run) AND job_key='actions' AND step_id=''")" "" "a run step has no commit"
sluice_cmd show latest
check_contains "action ${SHA_ONE:0:12}"
check_contains "workflow commit $(git -C "$WORK/src/workflows" rev-parse HEAD)"
# Fetched into the content-addressed cache (no .git), each repository once.
[ -f "$XDG_CACHE_HOME/sluice/repos/acme/js-action/$SHA_ONE/index.js" ] || fail "cache tree of $SHA_ONE"
[ ! -e "$XDG_CACHE_HOME/sluice/repos/acme/js-action/$SHA_ONE/.git" ] || fail "cache keeps .git"
check_eq "$(grep -c 'Request upload-pack for' "$WORK/daemon.log" || true)" 10 \
  "daemon requests: ls-remote + fetch for js-action@v1, @main, composite, workflows, inner-workflows; the SHA pin is already there"

# 2. The daemon stopped, --offline: the run uses the cache alone.
stop_daemon
: >"$WORK/daemon.log"
sluice_run --action-source "$SOURCE" --offline
check_rc 0 "offline run"
check_lacks "fetched" "offline run"
grep -qxF "outputs hi-one hello-two pin-one nested-two" <<<"$(job_log actions)" || fail "offline outputs"

# 3. A missing action (offline, and online from a source that lacks it): the message names
# the action, the ref and the place in the workflow.
sed -i 's|acme/js-action@main|acme/js-action@v9|' "$REPO/.github/workflows/ci.yml"
sluice_run --action-source "$SOURCE" --offline
check_rc 2 "missing action offline"
check_contains "ci.yml:10:15: error: action 'acme/js-action@v9' is not in the action cache (--offline): no commit is recorded for 'v9' of acme/js-action"
# A token written into a source URL is never shown (git's own messages included).
sluice_run --action-source "http://bot:s3cret-token@127.0.0.1:9" --action-source "file://$SERVED"
check_lacks "s3cret-token" "credentials of a source URL"
check_contains "http://***@127.0.0.1:9/acme/js-action" "the source, without its credentials"
sluice_run --action-source "file://$SERVED"
check_rc 2 "missing ref"
check_contains "ci.yml:10:15: error: cannot fetch action 'acme/js-action@v9': file://$SERVED/acme/js-action has no tag or branch 'v9'"

# 4. Two runs at once with an empty cache fetch each repository once (the per-repository
# lock), here from the file:// source (`.git` appended).
sed -i 's|acme/js-action@v9|acme/js-action@main|' "$REPO/.github/workflows/ci.yml"
rm -rf "$XDG_CACHE_HOME/sluice/repos" "$XDG_CACHE_HOME/sluice/refs"
cp -R "$REPO" "$WORK/repo2"
( "$SLUICE" run "$REPO" --data-dir "$DATA" --action-source "file://$SERVED" >"$WORK/one.out" 2>&1; echo $? >"$WORK/one.rc" ) &
( "$SLUICE" run "$WORK/repo2" --data-dir "$WORK/data2" --action-source "file://$SERVED" >"$WORK/two.out" 2>&1; echo $? >"$WORK/two.rc" ) &
wait
check_eq "$(cat "$WORK/one.rc") $(cat "$WORK/two.rc")" "0 0" "concurrent runs"
OUT=$(cat "$WORK/one.out" "$WORK/two.out")
for repo in "js-action@v1" "js-action@main" "composite@release/v2" "workflows@v3" "inner-workflows@main"; do
  check_eq "$(grep -c "fetched acme/$repo " <<<"$OUT" || true)" 1 "fetches of acme/$repo by two concurrent runs"
done
check_contains "from file://$SERVED/acme/js-action"

finish
