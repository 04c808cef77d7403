// What a step asks of a container engine: the job's containers (`container:` and
// `services:`, evaluated) and Docker action runs. The engine fills these in; the container
// executor (exec/container/) turns them into Podman or Docker commands.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/diagnostic.h"

namespace sluice::engine {

// One container of a job: its `container:` or one of its `services:`, expressions
// evaluated.
struct ContainerRequest {
  std::string service_id;  // the key under `services:` (its host name); "" for `container:`
  std::string image;
  std::string username, password;  // `credentials:`; the password is a secret (masked)
  std::vector<std::pair<std::string, std::string>> env;
  std::vector<std::string> ports;
  std::vector<std::string> volumes;
  std::string options;  // extra create options, split like a shell would
  SourcePos pos;        // of `container:` / the service: errors point here
};

// The containers of one job attempt. Shared (read-only) by every StepRequest of the job.
struct JobContainers {
  std::optional<ContainerRequest> job;  // steps run inside it when set
  std::vector<ContainerRequest> services;
  // Host directories mounted into every container at the same path, so that every path
  // in the step's environment (GITHUB_WORKSPACE, RUNNER_TEMP, GITHUB_OUTPUT, ...) is valid
  // inside as well as outside: the workspace, RUNNER_TEMP and the step-files directory.
  std::vector<std::string> mounts;
  std::string workspace;
};

// A Docker action step (`runs.using: docker`, or `uses: docker://IMAGE`).
struct DockerActionRequest {
  // "docker://IMAGE", or the absolute path of the Dockerfile to build (its directory is the
  // build context; the image is cached by the content of that directory).
  std::string image;
  std::string entrypoint;         // "" keeps the image's
  std::vector<std::string> args;  // evaluated `runs.args` (or the step's `with.args`)
  std::vector<std::string> mounts;
  std::string workspace;  // the working directory inside
  SourcePos pos;
};

}  // namespace sluice::engine
