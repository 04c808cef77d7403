#!/usr/bin/env bash
# The runtime services from containers (issue 9): they listen on the host's loopback only,
# yet a container job's steps and a Docker action of that job reach them at the job's own
# ACTIONS_* URLs (sluice also answers on the job container's loopback, in its network
# namespace, and the Docker action shares that namespace): a cache entry saved and restored
# with raw HTTP from each. The job's service stays reachable by name, also after a Docker
# action and while the network's DNS server does not answer (issue 9: once in three CI runs a
# step after a Docker action got "db: Name or service not known": aardvark-dns, which every
# container started or stopped on any network of the host makes reload, did not answer, and
# the host's resolver said NXDOMAIN; the job's services are now in the job's /etc/hosts).
# test_run_container_rootless.sh runs this test again as an ordinary user (rootless Podman).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/container_lib.sh"
setup_repo containers
sed -i "s|@IMAGE@|$IMAGE|" "$REPO/.github/workflows/runtime.yml"

sluice_run -w .github/workflows/runtime.yml --event workflow_dispatch --var "IMAGE=$IMAGE"
OUT+=$'\n'$(job_log cached)
check_rc 0 "container job using the cache service"
check_contains "cache round trip ok (job)" "from the job container"
check_contains "cache round trip ok (docker)" "from a Docker action of the container job"
check_contains "db says pong-from-db" "the service by name"
check_contains "docker-action: db says pong-from-db" "the service by name from the Docker action, no DNS"
check_contains "after-docker-action: db says pong-from-db" "the service by name after the Docker action, no DNS"
check_lacks "cannot reach the cache" "no warning"
check_no_leftovers "after the run"
finish
