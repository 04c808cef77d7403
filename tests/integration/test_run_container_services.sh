#!/usr/bin/env bash
# A service of a native job: started on its own network, its port mapped to the host and
# given to the steps as job.services.<id>.ports['<port>'], its health check awaited, and
# removed after the job. A Docker action of that native job runs on the job's network and
# reaches the service by its name (as on GitHub), from /etc/hosts: also while the network's
# DNS server does not answer; with Podman it also reaches the runtime services (cache) at the
# job's own URLs, which answer in the action's network namespace (created, set up with
# `init`, listened in, then started).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/container_lib.sh"
setup_repo containers
sed -i "s|@IMAGE@|$IMAGE|" "$REPO/.github/workflows/native-service.yml"

sluice_run -w .github/workflows/native-service.yml --event workflow_dispatch --var "IMAGE=$IMAGE"
OUT+=$'\n'$(job_log native)
check_rc 0 "native job with a service"
check_contains "mapped port: yes" "job.services.web.ports['8080']"
check_contains "web says pong" "service reached on the mapped port"
check_contains "sluice: service 'web' is healthy" "health awaited"
check_contains "docker-action: web says pong" "the service by name from a Docker action of the native job"
if [ "$(basename "$ENGINE")" = podman ]; then
  check_contains "cache round trip ok (native-docker)" "the cache from a Docker action of the native job"
  check_lacks "cannot reach the cache" "no warning"
fi
check_no_leftovers "after the job"
finish
