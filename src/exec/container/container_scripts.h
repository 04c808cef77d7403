// The bash scripts that drive the container engine for a job (pure: text only).
//
// Starting services and waiting for their health, running a step in the job container, a
// Docker action, stopping everything: each is one bash script that the ContainerExecutor
// hands to the process executor as an ordinary step. So it runs off the engine thread,
// its output goes to the step's log, a cancel kills it like any step, and it leaves its
// results in GITHUB_OUTPUT. Variable values (which may be secrets) are written into the
// script, which lives in the step's private directory (exec/step_files.h), and exported in
// a subshell around the one engine command that needs them: never on a command line.
//
// The start script writes to GITHUB_OUTPUT, for the `job` context:
//   container.id=<id>  container.network=<name>
//   service.<id>.id=<container id>  service.<id>.network=<name>
//   service.<id>.port.<container port>=<host port>   (one per mapped port)
//
// Service names. Each service is reachable by its key through the network's DNS (a network
// alias), and the containers that reach services by name (the job container, shared by its
// Docker actions; a Docker action on a native job's network) also get each service's
// address in their /etc/hosts (`--add-host <key>:<address>`, read once the services run),
// so that a step's lookup does not depend on the DNS server answering at that moment.
#pragma once

#include <string>
#include <vector>

#include "core/result.h"
#include "exec/container/container_commands.h"

namespace sluice::exec::container {

struct ScriptTarget {
  std::string engine;  // absolute path of podman or docker
  EngineKind kind = EngineKind::kPodman;
  ContainerNames names;
  Labels labels;
};

// One shell line: `argv` quoted, with `env` exported in a subshell around it when given.
std::string command_line(const std::string& engine, const std::vector<std::string>& args,
                         const std::vector<std::pair<std::string, std::string>>& env = {});

// Network, services (awaited healthy, ports reported), then the job container.
Result<std::string> start_script(const ScriptTarget& target, const engine::JobContainers& job);

// Service logs (each in a ::group::), then every container and the network of the job
// removed (by label, so that Docker action containers left by a cancel go too).
std::string stop_script(const ScriptTarget& target, const engine::JobContainers& job);

// A step in the job container. The step's script is written next to this one (its
// directory is mounted at the same path) and run with `shell_command`, whose word equal to
// `script_placeholder` is replaced by that file's path. `path_prepend` (GITHUB_PATH
// entries joined by ':') goes before the image's PATH; "" keeps the image's.
struct ExecStep {
  std::string working_dir;
  std::vector<std::string> env_names;
  std::string script;  // the step's own script; "" when `shell_command` needs none (node)
  std::string script_extension = ".sh";
  std::vector<std::string> shell_command;
  std::string path_prepend;
  // A file whose existence means the step was cancelled: the process exits at once (143)
  // instead of running when it starts only after the cancel. "" for none (needs sh).
  std::string cancel_flag;
};
inline constexpr const char* kScriptPlaceholder = "\x01script\x01";
std::string exec_script(const ScriptTarget& target, const ExecStep& step);

// A Docker action: builds `dockerfile` into `tag` unless present (when `dockerfile` is
// given), then runs the image with the step's variables and mounts.
struct DockerRun {
  std::string image;       // what to run (a tag when built)
  std::string dockerfile;  // "" for docker://
  std::string context_dir;
  std::string container_name;
  std::string network;  // "" when the job has no network
  std::vector<std::string> env_names;
  // Keys of the job's services to put into the action's /etc/hosts: those of a native job
  // whose network it joins (in a container job it shares the job container's hosts file).
  std::vector<std::string> service_hosts;
  // Podman, a native job with services: the runtime services answer in the action's own
  // network namespace. "" to just `run --rm`. Else a file path: the script creates and
  // `init`s the container, writes its PID to this file, waits (at most 10 s) for
  // "<file>.ready", which the executor writes once it listens there, then starts it
  // attached (created with --rm, it is gone when that returns).
  std::string netns_handshake;
};
std::string docker_action_script(const ScriptTarget& target,
                                 const engine::DockerActionRequest& action, const DockerRun& run);

}  // namespace sluice::exec::container
