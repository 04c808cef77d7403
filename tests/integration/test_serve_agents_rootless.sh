#!/usr/bin/env bash
# A remote agent run by an unprivileged user with rootless Podman (issue 10): `sluice serve`
# runs as the test's user (root in CI), `sluice agent` as $SLUICE_TEST_ROOTLESS_AGENT_USER
# (default sluice-rootless-agent, made with useradd, which gives it a subuid range, when
# missing) with a work dir of its own, and the containers in that user's Podman:
#  1. a container job with a health-checked service: its steps run in the job container
#     (root there, the agent's user outside) on the agent's checkout, reach the service by
#     name and the cache service at the job's URL (the agent's relay, opened in the rootless
#     network namespace by a child that joins the user namespace owning it), as does a
#     Docker action in the job container's namespace; a step leaves files of another id of
#     the container (a subordinate id outside, which the agent's user cannot remove by
#     itself); its output reaches the next job, native on the same agent,
#     run as the agent's user. Nothing is left: no container, network, lease directory
#     (`podman unshare` removes the foreign files) or step files on /dev/shm;
#  2. a cancelled container job and 3. the jobs of a SIGKILLed agent (removed by the next
#     agent on its work dir) leave nothing either, their foreign files included.
# Run as another user, the agent is that user. Skipped (77) only where rootless Podman cannot
# work (no podman, no newuidmap, no subuids), as test_run_container_rootless.sh.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/serve_lib.sh"
skip() { echo "SKIP [$TEST_NAME]: $*"; exit 77; }
command -v podman >/dev/null || skip "no podman (scripts/setup.sh installs it)"
command -v newuidmap >/dev/null || skip "no newuidmap (apt-get install uidmap)"
chmod 711 "$WORK"  # the agent's user reaches its own directories in it
AGENT_USER=$(id -un)
if [ "$(id -u)" = 0 ]; then
  AGENT_USER=${SLUICE_TEST_ROOTLESS_AGENT_USER:-sluice-rootless-agent}
  id "$AGENT_USER" >/dev/null 2>&1 || useradd -m -s /bin/bash "$AGENT_USER" ||
    skip "cannot create the user $AGENT_USER"
fi
grep -q "^$AGENT_USER:" /etc/subuid || skip "$AGENT_USER has no range in /etc/subuid"
agent_uid=$(id -u "$AGENT_USER") agent_gid=$(id -g "$AGENT_USER")
RUNTIME_DIR=${XDG_RUNTIME_DIR:-/run/user/$agent_uid}
if [ "$(id -u)" = 0 ]; then  # no logind session made it: Podman needs one the user owns
  RUNTIME_DIR=/run/user/$agent_uid
  install -d -m 700 -o "$agent_uid" -g "$agent_gid" "$RUNTIME_DIR"
fi
# The agent's user runs the binary (or a copy when the checkout is out of its reach: CI
# clones into a `mktemp -d` folder, mode 0700) with the engine's configuration container_lib.sh
# writes, through $WORK/as-agent-user; $WORK/agent-podman is that user's Podman.
install -d -m 755 "$WORK/agent-bin"
export CONTAINERS_CONF=$WORK/agent-bin/containers.conf
printf '%s\n' '[containers]' 'default_ulimits = []' '[engine]' 'cgroup_manager = "cgroupfs"' \
  'runtime = "runc"' >"$CONTAINERS_CONF"
as_user=""
[ "$(id -u)" = 0 ] && as_user="setpriv --reuid=$agent_uid --regid=$agent_gid --init-groups"
cat >"$WORK/as-agent-user" <<SH
#!/bin/sh
cd / && exec $as_user env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=$(getent passwd "$AGENT_USER" | cut -d: -f6) \
  XDG_RUNTIME_DIR=$RUNTIME_DIR TMPDIR=/tmp CONTAINERS_CONF=$CONTAINERS_CONF "\$@"
SH
printf '#!/bin/sh\nexec %s podman "$@"\n' "$WORK/as-agent-user" >"$WORK/agent-podman"
chmod 755 "$WORK/as-agent-user" "$WORK/agent-podman"
AGENT_SLUICE=$SLUICE
"$WORK/as-agent-user" test -x "$SLUICE" || {
  AGENT_SLUICE=$WORK/agent-bin/sluice
  cp "$SLUICE" "$AGENT_SLUICE"
}
chmod -R a+rX "$WORK/agent-bin"
export SLUICE_TEST_CONTAINER_ENGINE=$WORK/agent-podman
source "$(dirname "$0")/container_lib.sh"  # the image, in the agent's user's store
source "$(dirname "$0")/agent_containers_lib.sh"
AGENT_AS=$WORK/as-agent-user AGENT_OPTIONS="--executors 3"
install -d -m 700 -o "$agent_uid" -g "$agent_gid" "$FAR"
stop_pause_process() {  # the one the agent's user's Podman leaves (it holds its namespaces)
  local pause
  pause=$(cat "$RUNTIME_DIR/libpod/tmp/pause.pid" 2>/dev/null || true)
  [ -z "$pause" ] || [ "$(id -u)" != 0 ] || kill "$pause" 2>/dev/null || true
}
trap 'kill_agent; kill_serve; remove_agent_leftovers; stop_pause_process; rm -rf "$WORK"' EXIT

mkdir -p "$WORK/app/.github/workflows"
cp "$FIXTURES/run/containers/.github/cache-round-trip.sh" "$WORK/app/.github/"
cat >"$WORK/app/.github/workflows/rootless.yml" <<YAML
on: workflow_dispatch
jobs:
  far:
    runs-on: [self-hosted, remote]
    outputs:
      said: \${{ steps.say.outputs.said }}
    container:
      image: $IMAGE
$DB_SERVICE
    steps:
      - run: |
          test -x /bin/sluice-pong && echo "in the job container as uid \$(id -u)"
          test -f .github/cache-round-trip.sh && echo "the checkout is mounted"
          touch written-inside && echo "the workspace is writable"
          exec 3<>/dev/tcp/db/8080
          read -r line <&3
          echo "db says \$line"
          bash .github/cache-round-trip.sh job
      - run: |
          mkdir -p build/deep && touch build/deep/file && chmod 755 build build/deep
          chown -R 1000:1000 build && echo "files of uid \$(stat -c %u build/deep/file)"
      - uses: docker://$IMAGE
        with:
          entrypoint: /bin/bash
          args: .github/cache-round-trip.sh docker
      - id: say
        run: echo "said=hello from the rootless agent" >>"\$GITHUB_OUTPUT"
  next:
    needs: far
    runs-on: [self-hosted, remote]
    steps:
      - run: echo "next heard \${{ needs.far.outputs.said }} as \$(id -un)"
YAML
write_sleeping_workflow "mkdir -p build/deep && touch build/deep/file && chown -R 1000:1000 build"
commit_app
start_controller_and_agent

# The agent runs three jobs at once: the container job of 1 and the sleeping jobs of 2 and 3
# (each makes files of another container id in its workspace, then sleeps).
leases_with() {  # leases_with COUNT PATTERN: when exactly COUNT lease directories have PATTERN
  [ "$(find "$FAR/leases" -mindepth 1 -maxdepth 1 -exec test -e {}/"$2" \; -print 2>/dev/null |
    wc -l)" = "$1" ] && echo yes
}
step_file_dirs() {  # step_file_dirs COUNT: when the agent's leases have COUNT on /dev/shm
  [ "$(find /dev/shm -maxdepth 2 -user "$AGENT_USER" -path '*/l-*' 2>/dev/null | wc -l)" = "$1" ] &&
    echo yes
}
dispatch rootless.yml
FIRST=$RUN
dispatch sleeps.yml
CANCELLED=$RUN
dispatch sleeps.yml
KILLED=$RUN

# 1. A container job, a service, the cache, outputs to the next job.
check_eq "$(wait_run "$FIRST" 60)" success "the container job on the rootless agent"
RUN=$FIRST log_of far
check_contains "in the job container as uid 0" "steps run in the job container"
check_contains "the checkout is mounted" "the agent's checkout is mounted"
check_contains "the workspace is writable" "the workspace is writable from the container"
check_contains "db says pong-from-db" "the service by name"
check_contains "cache round trip ok (job)" "the cache service from the rootless job container"
check_contains "cache round trip ok (docker)" "the cache service from a Docker action of the job"
check_contains "files of uid 1000" "a step's files of another container id"
check_contains "sluice: containers of the job removed" "the stop step ran"
check_lacks "cannot reach" "no runtime warning"
RUN=$FIRST log_of next
check_contains "next heard hello from the rootless agent as $AGENT_USER" \
  "the output reaches the next job, run as the agent's user"
check_eq "$(run_containers "$FIRST")" "" "no container left after the run"
wait_for leases_with 2 workspace/build/deep || fail "the sleeping jobs did not make their files"
wait_for leases_with 2 . || fail "the first run's lease directories are left: $(ls -A "$FAR/leases")"
wait_for step_file_dirs 2 || fail "step files of the first run are left (on /dev/shm)"

# 2. Cancelled and 3. killed, while sleeping.
api POST "/api/v1/runs/$CANCELLED/cancel"
check_eq "$(wait_run "$CANCELLED" 30)" cancelled "the cancelled run"
wait_for gone run_containers "$CANCELLED" || fail "the cancelled job's containers are left"
wait_for leases_with 1 . || fail "the cancelled job's lease is left: $(ls -A "$FAR/leases")"
kill -KILL "$AGENT_PID"
wait "$AGENT_PID" 2>/dev/null || true
[ -n "$(run_containers "$KILLED")" ] || fail "the killed agent's containers went before a new agent came"
start_agent
wait_for gone agent_leftovers || fail "the killed agent's containers are left: $(agent_leftovers)"
wait_for gone ls -A "$FAR/leases" 2>/dev/null ||
  fail "the killed agent's lease is left: $(ls -A "$FAR/leases")"
wait_for step_file_dirs 0 || fail "the killed agent's step files are left (on /dev/shm)"
OUT=$(cat "$WORK/far.log") check_lacks "cannot remove" "the agent removed every lease directory"
OUT=$(cat "$WORK/far.log") check_lacks "cannot reach the cache" "the agent warned of nothing"
OUT=$(cat "$WORK/far.log") check_lacks "error" "the agent's log"
finish
