// ContainerExecutor: the container side of a job, in front of the process executor.
//
// It passes native steps through untouched and turns the rest into bash steps that drive
// the container engine (container_scripts.h), run by the inner executor like any step:
//   kContainersStart  network, services (health awaited), job container
//   kContainersStop   service logs, then every container and network of the job removed
//   kScript / kNode   of a job with `container:`: `<engine> exec` in the job container
//   kDockerAction     build (Dockerfile, cached by content) or take the image, `run --rm`
//                     in the job container's network namespace (container jobs), on the
//                     host's network (jobs with no container network) or on the job's
//                     network (native jobs with services: with Podman created, set up
//                     with `init`, listened in by the runtime services, then started)
// The engine is looked up once, on the first step that needs it; when there is none, such
// a step fails to start with the position of `container:`/`services:`/`uses:` and what to
// install, and native steps never notice.
//
// Cleanup guarantees. The engine's "Stop containers" step runs after the job's last step
// (also after a failure or a first Ctrl-C: it runs under always()). When it did not run or
// failed (second Ctrl-C, kill_all), end_job() and the destructor remove what the job left
// by label, synchronously. When sluice itself dies, the next sluice command does it
// (remove_containers_of_runs, from crash recovery). A cancelled Docker action's container
// is removed at once, and a cancelled (or timed-out) step in the job container has its
// processes killed inside the container (found by the SLUICE_CONTAINER_STEP marker in their
// environment; needs sh and grep in the image, best effort otherwise): killing the `run` or
// `exec` client stops nothing in the container.
//
// Threading: as engine::Executor. start/cancel/end_job on the engine thread; on_done of the
// inner executor may come from its I/O thread, so the state shared with it is locked.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>

#include "engine/executor.h"
#include "exec/container/container_engine.h"

namespace sluice::exec::container {

class ContainerExecutor final : public engine::Executor {
 public:
  struct Options {
    std::string engine_choice;  // --container-engine: "", "podman", "docker" or a path
    std::string data_dir;       // the sluice.data label (crash recovery selects by it)
    // The engine's own environment (PATH, HOME, CONTAINERS_CONF, XDG_RUNTIME_DIR, ...):
    // steps in containers get only their own variables, the engine needs these.
    std::map<std::string, std::string> host_env;
  };

  // What the runner does when a job container starts and when a job's containers go: the
  // runtime services start and stop answering inside the container's network namespace
  // (runtime/netns_listener.h), so that its steps reach them at the job's usual URLs.
  struct JobContainerHooks {
    // `netns_path`: /proc/<pid>/ns/net of the job container, called on the inner executor's
    // thread after the "Initialize containers" step succeeded; or of a native job's Docker
    // action (Podman), called on that step's hand-shake thread before the action starts.
    std::function<void(const std::string& job_scope, const std::string& netns_path)> started;
    // Called after the job's containers were removed (the stop step or end_job), and after
    // such a Docker action ended.
    std::function<void(const std::string& job_scope)> removed;
  };

  ContainerExecutor(engine::Executor& inner, Options options);
  ~ContainerExecutor() override;

  // Set before the first step starts.
  void set_job_container_hooks(JobContainerHooks hooks) { hooks_ = std::move(hooks); }

  engine::ExecutionId start(engine::StepRequest request,
                            std::function<void(engine::StepOutcome)> on_done) override;
  void cancel(engine::ExecutionId id) override;
  void end_job(const std::string& job_scope) override;
  void kill_all() override;

 private:
  Result<ContainerEngine> engine();
  engine::ExecutionId fail_now(const std::string& message,
                               const std::function<void(engine::StepOutcome)>& on_done);
  // What stops a running execution's work in a container (killing the `run`/`exec` client
  // stops nothing there).
  struct CancelAction {
    std::vector<std::string> engine_args;  // e.g. kill the step's processes, remove a container
    // Created first: a step's process that starts in the container only after the cancel
    // (its `exec` was under way) sees it and exits. "" when there is none.
    std::string flag_file;
  };
  // `netns_handshake`: set to DockerRun::netns_handshake (container_scripts.h), "" if none.
  Result<engine::StepRequest> rewrite(engine::StepRequest request, const ContainerEngine& engine,
                                      CancelAction& on_cancel, std::string& netns_handshake);

  // A Docker action of a native job with services: a thread waits for its hand-shake file
  // and calls hooks_.started for the action's own network namespace; the step's end stops
  // and joins it, and calls hooks_.removed when it listened.
  struct NetnsWatch {
    std::thread thread;
    std::atomic<bool> stop{false};
    bool listening = false;  // written by the thread, read after join
  };
  std::shared_ptr<NetnsWatch> watch_netns_handshake(const std::string& scope,
                                                    const std::string& file);
  void end_watch(const std::string& scope, NetnsWatch& watch);
  void sweep(const std::string& job_scope);

  // The job container's network namespace, when it runs ("" when it cannot be found).
  std::string job_container_netns(const std::string& job_scope);

  engine::Executor& inner_;
  Options options_;
  JobContainerHooks hooks_;
  std::optional<Result<ContainerEngine>> engine_;
  int container_steps_ = 0;  // names Docker action containers and exec markers apart

  std::mutex mutex_;  // guards the two fields below (on_done runs on the inner I/O thread)
  std::set<std::string> dirty_scopes_;  // may have containers left
  std::map<engine::ExecutionId, CancelAction> on_cancel_;
};

}  // namespace sluice::exec::container
