#!/usr/bin/env bash
# Rootless Podman (issue 9): test_run_container_runtime.sh again, with sluice and Podman run
# by an ordinary user (subordinate ids in /etc/subuid). A container job's steps and its
# Docker action still reach the runtime services at the job's own URLs: the listener in the
# job container's network namespace is made by a forked child that first joins the user
# namespace owning it (the user holds every capability there, none in the host's), and the
# service by name.
#
# Run as root (as CI does), it runs that test as the user $SLUICE_TEST_ROOTLESS_USER (default
# sluice-rootless), creating the user with useradd (which gives it a subuid range) when it
# does not exist, and at the end stops the Podman pause process that the user's Podman
# started. Skipped (77) where rootless Podman cannot work here (no podman, no newuidmap, no
# subuids). Run as another user, it is that test.
set -euo pipefail
runtime_test=$(dirname "$(readlink -f "$0")")/test_run_container_runtime.sh
[ "$(id -u)" = 0 ] || exec bash "$runtime_test"
rootless_user=${SLUICE_TEST_ROOTLESS_USER:-sluice-rootless}
skip() { echo "SKIP [test_run_container_rootless]: $*"; exit 77; }
command -v podman >/dev/null || skip "no podman (scripts/setup.sh installs it)"
command -v newuidmap >/dev/null || skip "no newuidmap (apt-get install uidmap)"
id "$rootless_user" >/dev/null 2>&1 || useradd -m -s /bin/bash "$rootless_user" ||
  skip "cannot create the user $rootless_user"
grep -q "^$rootless_user:" /etc/subuid || skip "$rootless_user has no range in /etc/subuid"
user_home=$(getent passwd "$rootless_user" | cut -d: -f6)
runtime_dir=/run/user/$(id -u "$rootless_user")
install -d -m 700 -o "$rootless_user" -g "$(id -g "$rootless_user")" "$runtime_dir"
# The user runs copies of the binary, the scripts and the fixtures: the checkout
# may be out of its reach (CI clones into a `mktemp -d` folder, mode 0700, owned by root).
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
integration=$(dirname "$runtime_test")
mkdir -p "$stage/tests/integration"
cp "$SLUICE" "$stage/sluice"
cp "$runtime_test" "$integration/lib.sh" "$integration/container_lib.sh" "$stage/tests/integration/"
cp -R "$FIXTURES" "$stage/tests/integration/fixtures"  # ~1 MB
chmod -R a+rX "$stage"
cd "$stage"  # the user's processes start here, not in the checkout
rc=0
runuser -u "$rootless_user" -- env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$user_home" \
  XDG_RUNTIME_DIR="$runtime_dir" TMPDIR=/tmp SLUICE="$stage/sluice" \
  FIXTURES="$stage/tests/integration/fixtures" SOURCE_DIR="$stage" \
  bash "$stage/tests/integration/$(basename "$runtime_test")" || rc=$?
pause=$(cat "$runtime_dir/libpod/tmp/pause.pid" 2>/dev/null || true)
[ -z "$pause" ] || kill "$pause" 2>/dev/null || true
exit "$rc"
