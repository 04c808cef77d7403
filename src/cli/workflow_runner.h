// Running workflows on this machine: what `sluice run` and `sluice rerun` share.
//
// A RunSession is one sluice process's claim on a data dir: the store, the owner lock
// that tells later commands whether its runs are still alive (store/run_owner.h), the
// secrets and the masker. Opening it first marks the runs of dead owners interrupted
// and removes their leftovers (store/run_recovery.h). run_workflow() then runs one
// planned workflow to its end and returns its final status.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "cli/action_setup.h"
#include "core/result.h"
#include "core/secret_masker.h"
#include "core/value.h"
#include "engine/run_context.h"
#include "plan/event.h"
#include "plan/run_plan.h"
#include "spec/workflow.h"
#include "store/run_owner.h"
#include "store/sqlite/sqlite_store.h"

namespace sluice::cli {

struct RunSession {
  std::filesystem::path data_dir;
  std::unique_ptr<store::SqliteStore> store;
  std::unique_ptr<store::RunOwnerLock> owner;  // held until every run is recorded finished
  Value secrets = Value::object();
  std::shared_ptr<SecretMasker> masker = std::make_shared<SecretMasker>();
  int max_parallel_jobs = 0;       // 0: the number of cores
  ActionSetup* actions = nullptr;  // resolver and tool cache; set before run_workflow()
  std::string container_engine;    // --container-engine: "" finds podman, else docker
};

// Reads --secret values and the --secrets-file into a session's secrets and masker; opens
// the store in `data_dir`, takes the owner lock and recovers from crashed runs. Errors
// are printed as `sluice COMMAND: ...`; the result is then null and `exit_code` says why
// (kExitNotRecorded when the store cannot be opened, kExitInvalid otherwise).
std::unique_ptr<RunSession> open_run_session(const char* command,
                                             const std::filesystem::path& data_dir,
                                             const std::vector<std::string>& secret_args,
                                             const std::string& secrets_file, int& exit_code);

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
};

struct WorkflowOutcome {
  engine::RunStatus status;
  bool recorded = true;  // false: the history lacks part of the run (a store error)
};

WorkflowOutcome run_workflow(RunSession& session, const WorkflowRun& run);

// The exit code of a command that ran `outcome` (docs/cli.md): 3 before 130 before 1.
int exit_code_of(const WorkflowOutcome& outcome);

}  // namespace sluice::cli
