// Which container engine sluice uses: Podman or Docker, found on PATH or named with
// `--container-engine PATH|podman|docker`. sluice passes the engine's own configuration
// through untouched (CONTAINERS_CONF, DOCKER_HOST, ...): it only runs the program.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"
#include "exec/container/container_commands.h"

namespace sluice::exec::container {

struct ContainerEngine {
  std::string program;  // absolute path
  EngineKind kind = EngineKind::kPodman;
};

// `choice`: "" (podman, else docker, on PATH), "podman", "docker", or a path (its name
// decides the kind: "docker" in it means Docker, anything else Podman). The error says
// what to install.
Result<ContainerEngine> find_container_engine(std::string_view choice, std::string_view path_env);

// "install Podman (...) or Docker, or pass --container-engine PATH": for every error that
// needs an engine.
std::string install_hint();

}  // namespace sluice::exec::container
