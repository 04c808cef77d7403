// RunContext: what every part of a running workflow shares: the services the engine
// talks to the world through, and the run-wide values (github context, inputs, vars,
// secrets, environment) fixed when the run starts.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "core/secret_masker.h"
#include "core/value.h"
#include "engine/action_resolver.h"
#include "engine/clock.h"
#include "engine/environment_gate.h"
#include "engine/event_loop.h"
#include "engine/executor.h"
#include "engine/store.h"

namespace sluice::engine {

// Receives every state change, on the engine thread, after it was saved to the Store.
// The CLI's progress printer is one; the controller's live view will be another.
class RunObserver {
 public:
  virtual ~RunObserver() = default;
  virtual void on_run(const RunRecord&) {}
  virtual void on_job(const JobRecord&) {}
  virtual void on_step(const StepRecord&) {}
  virtual void on_attempt(const AttemptRecord&) {}
  virtual void on_annotation(const Annotation&) {}
  virtual void on_error(const std::string&) {}  // e.g. a Store write that failed after retries
};

struct RunOptions {
  std::string workspace;  // GITHUB_WORKSPACE: the repository directory for a local run
  std::string temp_dir;   // RUNNER_TEMP; exists
  // RUNNER_TOOL_CACHE: kept across runs so that a toolchain a setup-* action downloads
  // once is reused; "" = a directory under temp_dir (gone with the run).
  std::string tool_cache_dir;
  // Where the executor gives each step attempt a private directory for the script and the
  // GITHUB_* command files (StepRequest::step_files_dir); exists, ideally 0700. Ideally on
  // tmpfs: creating these small files is most of a step's overhead on a disk file system.
  // Empty: under temp_dir.
  std::string step_files_dir;
  int max_parallel_jobs = 2;
  Value github = Value::object();  // github context: event_name, event, ref, sha, ...
  Value inputs = Value::object();  // typed workflow_dispatch inputs
  Value vars = Value::object();
  Value secrets = Value::object();
  std::map<std::string, std::string> base_env;  // inherited process environment
  std::string runner_name = "sluice";
  // Steps get SLUICE_ARTIFACTS_DIR=<artifacts_root>/<run id> for files kept with the run
  // (e.g. scan reports); "" disables it.
  std::string artifacts_root;
  // Variables every step of a job gets on top of the defaults, by run id and job key: the
  // Actions runtime services' URLs and the job's own token (runtime/runtime_server.h).
  // Empty: none. Called on the engine thread when a step's environment is built.
  std::function<std::map<std::string, std::string>(int64_t run_id, const std::string& job_key)>
      job_env;
  std::string only_job;  // run this job and the jobs it needs; "" = every job
  // `sluice rerun --failed`: jobs that succeeded in the run being re-run, by job key. They
  // do not run again: each finishes at once as a success with its earlier outputs (and
  // `reason` says so), so the jobs that need it see it in `needs` as before.
  struct ReusedJob {
    Value outputs = Value::object();
    std::string reason;
  };
  std::map<std::string, ReusedJob> reused_jobs;
};

struct RunContext {
  Executor& executor;
  Store& store;
  const Clock& clock;
  EventLoop& loop;
  ActionResolver* resolver = nullptr;  // nullptr: `uses:` steps fail with an error
  RunObserver* observer = nullptr;
  // Decides when jobs with `environment:` may start (engine/environment_gate.h); nullptr:
  // they start unguarded.
  EnvironmentGate* environments = nullptr;
  std::shared_ptr<SecretMasker> masker = std::make_shared<SecretMasker>();
  RunOptions options{};

  // What the run could not record: Store calls and log writes that failed. A run with
  // any is incomplete in the history, so it fails (Engine) and `sluice run` says so.
  int store_errors = 0;
  std::string first_store_error{};  // usually the one that explains the rest
  std::string last_store_error{};   // e.g. the run's final status that could not be saved

  // Reports a failure to the observer.
  void report_error(const std::string& message) const {
    if (observer) observer->on_error(message);
  }
  // Reports a record or a log line that could not be written.
  void report_store_error(const std::string& message) {
    if (store_errors++ == 0) first_store_error = message;
    last_store_error = message;
    report_error(message);
  }
};

}  // namespace sluice::engine
