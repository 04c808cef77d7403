// Controller: the heart of `sluice serve`. Owns the projects, the one Store of the data
// dir, and the workflow runs in progress; starts runs for events (push, schedule,
// workflow_dispatch, re-runs) with the same runner as `sluice run` (runner/).
//
// A run: trigger() finds the event's commit in a snapshot of the project's repository (local
// path or git URL; server/workspaces.h: made once per commit), decides from it which
// workflows the event triggers, and for each one makes a fresh workspace of the snapshot
// under DATA_DIR/workspaces/ (a link to it, copied once a step runs on this machine:
// Workspaces::link), plans the workflow and starts it on its own thread
// (runner::run_workflow: one event loop per run, so runs never wait on each other's engine). The
// run ids are returned once every run is recorded. Each run's engine places its jobs through the
// AgentHub (exec/remote/RemoteExecutor): on the built-in agent (ControllerOptions::executors jobs
// at once over all runs) or on a remote agent with the job's runs-on labels.
//
// Threading: every public method is thread-safe (HTTP handlers, trigger loops and agents
// call them concurrently).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "engine/run_model.h"
#include "engine/store.h"
#include "plan/event.h"

namespace sluice::server {

class JobMetrics;
class AgentHub;

struct ProjectConfig {
  std::string name;
  std::string repository;                     // a local path or a git URL
  std::vector<std::string> branches{"main"};  // watched (by triggers/)
  int poll_interval_seconds = 60;
  std::string workflow_dir;                    // "": .github/workflows and .sluice/workflows
  std::map<std::string, std::string> secrets;  // plaintext in memory only
  std::map<std::string, std::string> vars;
  // triggers (docs/triggers.md): the secret webhooks are signed with ("": webhooks refused),
  // and whether tag pushes fire.
  std::string webhook_secret;
  bool tags = true;
};

struct ControllerOptions {
  std::filesystem::path data_dir;
  int executors = 2;  // jobs the built-in agent runs at once, over all runs
  // Agents (server/agent_hub.h, docs/agent-protocol.md): the built-in agent's labels
  // besides self-hosted, local, linux and the architecture; runs-on names mapped to agent
  // labels (glob → label, first match wins; the default ubuntu-* → linux comes last); how
  // long a remote agent's lease lives without a heartbeat.
  std::vector<std::string> builtin_labels;
  std::vector<std::pair<std::string, std::string>> label_map;
  int64_t agent_lease_ttl_ms = 30000;
  std::vector<ProjectConfig> projects;
  std::vector<std::string> action_sources;  // "" : $SLUICE_ACTION_SOURCES or github.com
  bool offline = false;
};

// A workflow file of a project as the API lists it.
struct WorkflowInput {
  std::string name, type, description, default_value;
  bool required = false;
  std::vector<std::string> options;  // type choice
};
struct WorkflowInfo {
  std::string file;  // relative to the repository, e.g. .github/workflows/ci.yml
  std::string name;
  bool dispatchable = false;  // has on.workflow_dispatch
  std::vector<WorkflowInput> inputs;
  std::vector<std::string> errors;     // the workflow does not load or validate
  std::vector<std::string> schedules;  // its on.schedule cron lines (server/trigger_loop)
};

// Which runs GET /api/v1/runs lists (empty fields: any), newest first.
struct RunFilter {
  std::string project;
  std::string workflow;   // the file (relative to the repository) or the workflow's name
  std::string status;     // "success", "running", ...
  std::string ref;        // refs/heads/main
  int64_t before_id = 0;  // the cursor: runs with a smaller id; 0: from the newest
  int limit = 50;
};
struct RunListing {
  engine::RunRecord record;
  std::string project;
};

class Controller {
 public:
  // Opens the store (creating the data dir), marks the runs of a dead controller
  // interrupted (store/run_recovery.h).
  static Result<std::unique_ptr<Controller>> open(ControllerOptions options);
  ~Controller();  // shutdown(0s) if not done
  Controller(const Controller&) = delete;
  Controller& operator=(const Controller&) = delete;

  // Starts the runs of every workflow of `project` that `event` triggers, at `event.sha`
  // (empty: the head of `event.ref`). Returns their ids (possibly none).
  Result<std::vector<int64_t>> trigger(const std::string& project, plan::Event event);
  // workflow_dispatch of one workflow file with `inputs` (validated against its declared
  // types, choices and required flags) at `ref` (branch or tag name; "": the project's
  // first branch). Errors name the bad input.
  Result<std::vector<int64_t>> dispatch(
      const std::string& project, const std::string& file, const std::string& ref,
      const std::vector<std::pair<std::string, std::string>>& inputs);
  // Cancels a run in progress (as GitHub does: always() jobs still run).
  Status cancel(int64_t run_id);
  // A new run of a finished run's workflow, event and inputs; with `failed_only` the jobs
  // that succeeded keep their outputs and do not run again.
  Result<int64_t> rerun(int64_t run_id, bool failed_only);

  const std::vector<ProjectConfig>& projects() const { return options_.projects; }
  const ProjectConfig* project(const std::string& name) const;
  Result<std::vector<WorkflowInfo>> workflows(const std::string& project);
  engine::Store& store();
  // `text` with every project's secrets masked (for the server's own log lines).
  std::string mask(const std::string& text) const;
  Result<std::vector<RunListing>> query_runs(const RunFilter& filter);
  // The project a run of this controller belongs to ("" for none): its workspace lies in
  // DATA_DIR/workspaces/<project>/.
  std::string project_of(const engine::RunRecord& run) const;
  const std::filesystem::path& data_dir() const { return options_.data_dir; }
  // The URL the controller is reached at (its `public-url`, else its listen address): the
  // issuer of the jobs' OIDC tokens. Set once, before any run starts.
  void set_public_url(const std::string& url);

  // What /metrics reports.
  struct Stats {
    int active_runs = 0;
    int queued_jobs = 0;  // jobs waiting for a built-in executor
    int running_jobs = 0;
  };
  Stats stats() const;
  JobMetrics& job_metrics();
  // The agents: the built-in one and the remote ones (`sluice agent`); every job is placed
  // through it. serve mounts its endpoints under /api/v1/agent/.
  AgentHub& agents();

  // Graceful stop: no new runs; runs in progress go on for up to `grace`, then are
  // cancelled; returns once every run is recorded finished.
  void shutdown(std::chrono::milliseconds grace);

  struct Impl;

 private:
  explicit Controller(ControllerOptions options);
  ControllerOptions options_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sluice::server
