// The container engine's command lines, as argument vectors (pure: nothing here runs).
//
// Podman and Docker take the same commands for everything sluice does, except that
// `podman rm` waits for a container's stop timeout unless told `-t 0` (Docker's `rm -f`
// kills at once) and only Podman has `healthcheck run` (Docker's daemon runs health checks
// itself; Podman relies on systemd timers, which a container or a minimal machine may not
// have, so sluice runs the check itself).
//
// Names and labels. Every container and network of a job attempt is named
// `sluice-<run id>-<hash>[-<service>]`, where the hash covers the data directory and the
// job scope (so two data directories with the same run ids never collide), and carries the
// labels sluice.run=<run id>, sluice.job=<that hash>, sluice.data=<hash of the data
// directory> and, for people, sluice.scope=<job scope> and sluice.data-dir=<data
// directory>: cleanup after a job, after a cancel
// and by crash recovery selects by the first three. Selected values are hashes because an
// engine's `--filter label=K=V` splits V at commas (a matrix job's scope "build (a, b)").
//
// Secrets. Values of environment variables never appear in an argument vector (where `ps`
// would show them): `-e NAME` makes the engine take NAME's value from its own environment,
// which the caller sets (container_scripts.h exports them in a private script).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"
#include "engine/container_request.h"

namespace sluice::exec::container {

enum class EngineKind { kPodman, kDocker };

struct ContainerNames {
  std::string prefix;   // sluice-<run id>-<hash>
  std::string network;  // = prefix
  std::string job;      // prefix + "-job"
  std::string service(std::string_view id) const;
};

struct Labels {
  std::string run_id;     // "" when the scope does not start with a run id
  std::string job_scope;  // engine::StepRequest::job_scope
  std::string job;        // the sluice.job value: a hash of the data directory and job scope
  std::string data;       // the sluice.data value, "" when the data directory is unknown
  std::string data_dir;   // "" when unknown
  // --label K=V ... for `run`/`create`/`network create`.
  std::vector<std::string> args() const;
  // The K=V label filters that select every container and network of this job attempt.
  std::vector<std::string> job_filters() const;
};

// `job_scope` is "<run id>/<job key>" (engine::Engine); `data_dir` tells data dirs apart.
ContainerNames names_for(std::string_view job_scope, std::string_view data_dir);
Labels labels_for(std::string_view job_scope, std::string_view data_dir);
// The sluice.data label value of a data directory.
std::string data_label(std::string_view data_dir);

// `options:` split into words as a shell would (quotes, backslashes; no expansion).
Result<std::vector<std::string>> split_options(std::string_view options);

// How long to wait for a service's health check, from its --health-* options (Docker's and
// Podman's defaults otherwise: interval 30 s, retries 3, start period 0). `has_check` is
// false when no --health-cmd is given (then the service counts as ready once started) or
// it is --no-healthcheck.
struct HealthWait {
  bool has_check = false;
  double interval_seconds = 30;
  int retries = 3;
  double start_period_seconds = 0;
  // start period + interval × (retries + 1): after this the service is unhealthy.
  double budget_seconds() const;
};
HealthWait health_wait(const std::vector<std::string>& option_words);
// A Go duration ("10s", "1m30s", "500ms", "2h") in seconds; negative when invalid.
double parse_duration_seconds(std::string_view text);

std::vector<std::string> network_create_args(const ContainerNames& names, const Labels& labels);

// `run -d` of a service: on the job's network, reachable by its id, with its ports,
// volumes, options and env names.
std::vector<std::string> service_run_args(const engine::ContainerRequest& service,
                                          const ContainerNames& names, const Labels& labels,
                                          const std::vector<std::string>& option_words);

// `run -d` of the job container: kept alive by `tail -f /dev/null` (as GitHub does), on the
// job's network, with `mounts` bound at the same paths and the workspace as working dir.
std::vector<std::string> job_container_run_args(const engine::JobContainers& job,
                                                const ContainerNames& names, const Labels& labels,
                                                const std::vector<std::string>& option_words);

// `exec` of a step's command in the job container, with the named variables passed in.
std::vector<std::string> exec_args(const ContainerNames& names, const std::string& working_dir,
                                   const std::vector<std::string>& env_names,
                                   const std::vector<std::string>& command);

// The variable that marks the processes of one step in the job container.
inline constexpr const char* kStepMarker = "SLUICE_CONTAINER_STEP";
// `exec` in the job container that SIGKILLs every process whose environment holds
// SLUICE_CONTAINER_STEP=`marker` (a cancelled or timed-out step's; needs sh and grep).
std::vector<std::string> kill_marked_args(const ContainerNames& names, const std::string& marker);

// `run --rm` of a Docker action's image. `network` "" for a job without containers;
// `network_words` follow it (the services' --add-host entries).
std::vector<std::string> docker_action_run_args(const engine::DockerActionRequest& action,
                                                const std::string& image,
                                                const std::string& container_name,
                                                const std::string& network, const Labels& labels,
                                                const std::vector<std::string>& env_names,
                                                const std::vector<std::string>& network_words = {});

// The same container made with `create` (still --rm), for a Docker action whose network
// namespace must exist before it starts (`init`, then `start --attach`).
std::vector<std::string> docker_action_create_args(const engine::DockerActionRequest& action,
                                                   const std::string& image,
                                                   const std::string& container_name,
                                                   const std::string& network, const Labels& labels,
                                                   const std::vector<std::string>& env_names,
                                                   const std::vector<std::string>& network_words);
// Podman: `init` sets a created container up (its namespaces and first process, stopped
// before the entrypoint runs), so that its network namespace exists before it starts.
std::vector<std::string> init_args(const std::string& container);
std::vector<std::string> start_attached_args(const std::string& container);
std::vector<std::string> pid_args(const std::string& container);

// `inspect` that prints the address of each of `containers` on `network`, one line each,
// in order (it fails when one of them is missing). Used to put the job's services into the
// /etc/hosts of the containers that reach them by name: the network's DNS server alone is
// not enough (Podman's aardvark-dns does not answer while it reloads, which any container
// starting or stopping on any network of the host makes it do; see docs/containers.md).
std::vector<std::string> network_addresses_args(const std::string& network,
                                                const std::vector<std::string>& containers);

std::vector<std::string> build_args(const std::string& tag, const std::string& dockerfile,
                                    const std::string& context_dir);
// Exits 0 when `image` is present locally.
std::vector<std::string> image_exists_args(EngineKind kind, const std::string& image);
// Removes containers at once, whatever their state.
std::vector<std::string> remove_args(EngineKind kind, const std::vector<std::string>& containers);
// Container ids (one per line) whose labels match every `label=value` filter.
std::vector<std::string> list_by_label_args(const std::vector<std::string>& label_filters);
std::vector<std::string> network_list_by_label_args(const std::vector<std::string>& label_filters);
std::vector<std::string> logs_args(const std::string& container);
std::vector<std::string> port_args(const std::string& container);

// The image of `docker://IMAGE`, or "" when `uses` is not of that form.
std::string docker_image_of(std::string_view uses);

// The command that runs `script_path` with a step's `shell:` inside a container, where no
// program can be looked up beforehand: "" is bash -e when the image has bash, else sh -e
// (as GitHub does); bash, sh, python, pwsh as on the host; a template with {0} runs through
// sh -c.
Result<std::vector<std::string>> container_shell_command(std::string_view shell,
                                                         const std::string& script_path);

}  // namespace sluice::exec::container
