# Shared by the container tests (sourced after lib.sh): a container engine that works here,
# and the local test image. No registry is reachable, so the image is assembled from this
# machine's own programs (bash, coreutils, and sluice-pong, a tiny TCP server) with
# `<engine> import`, once per content (tag = hash of its inputs), under a lock.
#
# Rootful Podman on hybrid cgroups needs runc, cgroupfs and no default ulimits: the tests
# write that containers.conf (unless CONTAINERS_CONF is set) and sluice passes it through.
# Exits 77 (skipped) with the reason when no engine can run the image.

ENGINE=${SLUICE_TEST_CONTAINER_ENGINE:-$(command -v podman || command -v docker || true)}
skip() { echo "SKIP [$TEST_NAME]: $*"; exit 77; }
[ -n "$ENGINE" ] || skip "no container engine (install podman and runc: scripts/setup.sh)"
if [ -z "${CONTAINERS_CONF:-}" ] && [ "$(basename "$ENGINE")" = podman ]; then
  export CONTAINERS_CONF=$WORK/containers.conf
  printf '%s\n' '[containers]' 'default_ulimits = []' '[engine]' 'cgroup_manager = "cgroupfs"' \
    'runtime = "runc"' >"$CONTAINERS_CONF"
fi
export SLUICE_CONTAINER_ENGINE=$ENGINE

PROGRAMS="bash sh cat tail sleep env printf echo ls mkdir rm chmod true false id grep head dirname basename touch chown stat"
image_tag() {
  { cat "$FIXTURES/containers/pong.c"; echo "$PROGRAMS"; for p in $PROGRAMS; do type -P "$p"; done; } |
    sha256sum | cut -c1-12
}
IMAGE=localhost/sluice-test:$(image_tag)

build_image() {
  "$ENGINE" image inspect "$IMAGE" >/dev/null 2>&1 && return 0
  local root=$WORK/rootfs p lib
  mkdir -p "$root/bin" "$root/tmp" "$root/etc"
  for p in $PROGRAMS; do cp -L "$(type -P "$p")" "$root/bin/"; done
  cc -O2 -o "$root/bin/sluice-pong" "$FIXTURES/containers/pong.c" || return 1
  for p in "$root"/bin/*; do ldd "$p" 2>/dev/null | grep -o '/[^ ]*' || true; done | sort -u |
    while read -r lib; do mkdir -p "$root$(dirname "$lib")"; cp -L "$lib" "$root$lib"; done
  echo 'root:x:0:0:root:/root:/bin/bash' >"$root/etc/passwd"
  tar -C "$root" -c . | "$ENGINE" import -q --change "ENV PATH=/usr/local/bin:/usr/bin:/bin" - "$IMAGE" >/dev/null
}
{
  flock 9
  build_image || skip "cannot build the test image with $ENGINE"
} 9>"${TMPDIR:-/tmp}/sluice-test-image.$(id -u).lock"  # per user: rootless stores differ
probe=$("$ENGINE" run --rm "$IMAGE" echo probe-ok 2>"$WORK/probe.err") || true
[ "$probe" = probe-ok ] || skip "$ENGINE cannot run containers here: $(tail -3 "$WORK/probe.err")"

# What sluice left behind for this test's data directory: container ids and network names.
leftovers() {
  local data
  data=$(cd "$DATA" && pwd)
  "$ENGINE" ps -a -q --filter "label=sluice.data-dir=$data"
  "$ENGINE" network ls -q --filter "label=sluice.data-dir=$data"
}
check_no_leftovers() {  # check_no_leftovers LABEL
  local left
  left=$(leftovers)
  [ -z "$left" ] || fail "$1: containers/networks left: $left"
}
