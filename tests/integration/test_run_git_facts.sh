#!/usr/bin/env bash
# github.sha / github.ref come from the repository's files, read in-process: no `git` (and
# no shell) is started for them, in a repository or outside one. A `git` on PATH that
# records its calls must never be called; the answers must match the real git's.
# github.repository / repository_owner come from the origin remote's URL (the config read
# in-process too); the host's SHELL does not reach steps.
source "$(dirname "$0")/lib.sh"
setup_repo git-facts
real_git=$(command -v git)
g() { GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null "$real_git" -C "$REPO" \
  -c user.name=t -c user.email=t@example.com "$@"; }
g init -q -b trunk
g add -A
g commit -q -m first
g commit -q --allow-empty -m second

mkdir -p "$WORK/fakebin"
printf '#!/bin/sh\necho "git $*" >> "%s"\nexit 1\n' "$WORK/git-calls" >"$WORK/fakebin/git"
chmod +x "$WORK/fakebin/git"
run_facts() { PATH="$WORK/fakebin:$PATH" sluice_run; }
facts() { job_log facts | grep '^sha='; }
repository() { job_log facts | grep '^repository=' | cut -d' ' -f1-2; }
no_git_called() {
  [ ! -e "$WORK/git-calls" ] || fail "$1: sluice started git: $(tr '\n' ';' <"$WORK/git-calls")"
  rm -f "$WORK/git-calls"
}

run_facts
check_rc 0 "branch"
head=$(g rev-parse HEAD)
check_eq "$(facts)" "sha=$head ref=refs/heads/trunk expr=$head" "branch with a loose ref"
no_git_called "branch"

# Regression (issue 9 §4): github.repository was local/<dir> whatever the origin remote.
check_eq "$(repository)" "repository=local/repo owner=local" "no origin remote"
check_eq "$(job_log facts | grep '^repository=' | cut -d' ' -f3-)" "expr=local/repo local" \
  "github.repository without origin"
for url in git@github.com:octo/hello.git https://x-access-token:s3cret@git.example.com/octo/hello \
  ssh://git@git.example.com:2222/octo/hello.git; do
  g remote remove origin 2>/dev/null || true
  g remote add origin "$url"
  run_facts
  check_eq "$(repository)" "repository=octo/hello owner=octo" "origin $url"
  check_lacks "s3cret" "origin $url"
  no_git_called "origin $url"
done
check_eq "$(job_log facts | grep '^repository=' | cut -d' ' -f3-)" "expr=octo/hello octo" \
  "github.repository from origin"
g remote set-url origin "$WORK/elsewhere/hello.git"
run_facts
check_eq "$(repository)" "repository=local/repo owner=local" "origin is a local path"
g remote remove origin

# Regression (issue 9 §4): the host's SHELL leaked into steps.
SHELL=/usr/bin/host-login-shell run_facts
check_eq "$(job_log facts | grep '^shell=')" "shell=[not exported]" "host SHELL"

g pack-refs --all
run_facts
check_eq "$(facts)" "sha=$head ref=refs/heads/trunk expr=$head" "branch after git pack-refs --all"
no_git_called "packed refs"

g checkout -q --detach HEAD~1
first=$(g rev-parse HEAD)
run_facts
check_eq "$(facts)" "sha=$first ref=refs/heads/main expr=$first" "detached HEAD (default ref)"
no_git_called "detached HEAD"

# Outside any repository: the defaults, no warning.
rm -rf "$REPO/.git"
run_facts
zeros=0000000000000000000000000000000000000000
check_eq "$(facts)" "sha=$zeros ref=refs/heads/main expr=$zeros" "no repository"
check_lacks "warning" "no repository"
no_git_called "no repository"

# A broken `.git` file: the run goes ahead on the defaults and says why.
echo "gitdir: $WORK/nowhere" >"$REPO/.git"
run_facts
check_rc 0 "broken .git file"
check_contains "warning: cannot read the git HEAD" "broken .git file"
check_contains "$WORK/nowhere, which is not a git directory" "broken .git file"
no_git_called "broken .git file"
finish
