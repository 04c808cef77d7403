// Running workflows on this machine: what `sluice run`, `sluice rerun` and the controller
// (`sluice serve`) share.
//
// A RunSession is one sluice process's claim on a data dir: the store, the owner lock
// that tells later commands whether its runs are still alive (store/run_owner.h), the
// default secrets and masker. Opening it first marks the runs of dead owners interrupted
// and removes their leftovers (store/run_recovery.h). run_workflow() then runs one
// planned workflow to its end, on the calling thread, and returns its final status.
//
// Threading: run_workflow() may be called from several threads at once with the same
// session (the controller runs each workflow on its own thread): the store allows any
// thread to call it, and each run has its own event loop, executor, temp directories and
// runtime services. `session.actions` must then be safe to share (RemoteActionResolver
// takes a per-repository file lock).
#pragma once

#include <atomic>
#include <filesystem>
#include <functional>
#include <iosfwd>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/secret_masker.h"
#include "core/value.h"
#include "engine/run_context.h"
#include "exec/orphan_reaper.h"
#include "plan/event.h"
#include "plan/run_plan.h"
#include "runner/action_setup.h"
#include "spec/workflow.h"
#include "store/run_owner.h"
#include "store/sqlite/sqlite_store.h"

namespace sluice::engine {
class Engine;
}

namespace sluice::runner {

struct RunSession {
  std::filesystem::path data_dir;
  std::unique_ptr<store::SqliteStore> store;
  std::unique_ptr<store::RunOwnerLock> owner;  // held until every run is recorded finished
  Value secrets = Value::object();             // default for runs that bring none
  std::shared_ptr<SecretMasker> masker = std::make_shared<SecretMasker>();
  int max_parallel_jobs = 0;       // 0: the number of cores
  ActionSetup* actions = nullptr;  // resolver and tool cache; set before run_workflow()
  std::string container_engine;    // --container-engine: "" finds podman, else docker
  std::string runner_name = "sluice-local";
  // The `iss` of the jobs' OIDC ID tokens: "" for each run's own runtime server (sluice
  // run); the controller's public URL under `sluice serve`, which serves the JWKS itself.
  std::string oidc_issuer;
  // The reaper of every run's step processes (exec/orphan_reaper.h); null: each run forks
  // its own (`sluice run` has one run; the controller forks one at its start for all).
  std::shared_ptr<exec::SharedOrphanReaper> orphan_reaper;
};

// Opens the store in `data_dir` (creating it), takes the owner lock and recovers from
// crashed runs (warnings about what could not be cleaned go to `warnings`). On error
// `store_failed` tells whether the store could not be opened (then nothing is recorded)
// or the lock could not be taken.
Result<std::unique_ptr<RunSession>> open_run_session(const std::filesystem::path& data_dir,
                                                     std::ostream& warnings, bool& store_failed);

// One workflow to run, and what a re-run carries over from the run it repeats.
struct WorkflowRun {
  const spec::Workflow* workflow = nullptr;
  const plan::RunPlan* plan = nullptr;
  plan::Event event;
  Value inputs = Value::object();  // typed workflow_dispatch inputs
  Value vars = Value::object();
  std::string repo_dir;  // the repository (GITHUB_WORKSPACE)
  std::string job;       // --job: this job and what it needs; "" for all
  std::map<std::string, engine::RunOptions::ReusedJob> reused_jobs;
  int64_t rerun_of = 0;
  // This run's secrets and masker (a controller project's); nullopt / null: the session's.
  std::optional<Value> secrets;
  std::shared_ptr<SecretMasker> masker;
};

struct WorkflowOutcome {
  engine::RunStatus status;
  bool recorded = true;  // false: the history lacks part of the run (a store error)
  int64_t run_id = 0;    // 0 when the run could not be recorded
};

// What a running workflow exposes while it runs: enough to cancel it or stop it now from
// another thread (post to `loop`, or Executor::kill_all).
struct ActiveRun {
  engine::EventLoop& loop;
  engine::Engine& engine;
  engine::Executor& executor;
  engine::Store& store;   // the unmasked store
  engine::RunRecord run;  // as started (with its id)
};

// Something attached to a run while it runs (the CLI's interrupt watcher, the
// controller's registry entry); destroyed, on the run's thread, once the engine finished.
class RunAttachment {
 public:
  virtual ~RunAttachment() = default;
};

// How a caller takes part in a run. Every field is optional.
struct RunHooks {
  engine::RunObserver* observer = nullptr;  // sees every change (masked)
  std::ostream* out = nullptr;              // "run N summary: ...", where summaries went
  std::ostream* err = nullptr;              // problems (a store error, a lock failure)
  // Raised (> 0): stop waiting for a workflow concurrency group (the run is recorded
  // cancelled). The CLI passes its signal counter.
  const std::atomic<int>* interrupts = nullptr;
  // Called on the run's thread right after the run was recorded (its id is known).
  std::function<std::unique_ptr<RunAttachment>(ActiveRun&)> attach;
  // Replaces the workflow-level `concurrency:` wait (runner/workflow_lock.h, which works
  // between processes) — the controller has many runs in one process. Returns false when
  // the run must not start (then it is recorded cancelled).
  std::function<bool(const std::string& group, bool cancel_in_progress, bool queue_all)>
      acquire_group;
  // Called once the run is over (any outcome) to release what acquire_group took.
  std::function<void(const std::string& group)> release_group;
  // Wraps the run's local executor (processes, containers) in the one the engine uses: the
  // controller places jobs on agents (exec/remote/). Called once, on the run's thread; the
  // result lives until the run is over.
  std::function<std::unique_ptr<engine::Executor>(engine::Executor& local)> executor;
};

WorkflowOutcome run_workflow(RunSession& session, const WorkflowRun& run,
                             const RunHooks& hooks = {});

}  // namespace sluice::runner
