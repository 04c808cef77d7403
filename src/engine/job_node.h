// Engine internals shared by engine.cpp and concurrency_groups.cpp: a job of the plan and
// its instances (matrix combinations) as the scheduler tracks them. Engine thread only.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/value.h"
#include "engine/engine.h"
#include "engine/event_loop.h"
#include "engine/job_run.h"
#include "engine/run_model.h"
#include "plan/run_plan.h"

namespace sluice::engine {

// One matrix combination of a job (the only one for a job without a matrix).
struct Engine::Instance {
  Value combo;                         // null for a job without a matrix
  JobRecord record;                    // saved by its JobRun once started, by the engine before
  std::unique_ptr<JobRun> run;         // null until started, and while waiting for a retry
  EventLoop::TimerId retry_timer = 0;  // non-zero while waiting to be retried
  std::string group;                   // the concurrency group it holds, if any
  // A job with `environment:` starts only once admitted (engine/environment_gate.h).
  enum class Admission { kNone, kWaiting, kAdmitted };
  Admission admission = Admission::kNone;
  std::map<std::string, std::string> environment_vars;     // once admitted
  std::map<std::string, std::string> environment_secrets;  // once admitted
  // Holding its slots and waiting for the executor to place it (Executor::place_job): `run`
  // is made but not started. `placement` numbers the request, so that events of one the
  // engine withdrew are ignored.
  bool placing = false;
  uint64_t placement = 0;
  bool lost = false;  // the executor lost the attempt's place (PlacementEvent::kLost)

  bool waiting_retry() const { return retry_timer != 0; }
  // Neither started nor finished: waiting for a --jobs slot, max-parallel or its group.
  bool pending() const { return !run && !waiting_retry() && !is_terminal(record.status); }
  // Started or being placed, not finished.
  bool active() const { return run && !run->finished(); }
};

struct Engine::JobNode {
  const plan::PlannedJob* planned = nullptr;
  RunStatus status = RunStatus::kQueued;
  bool selected = true;  // --job: false for jobs outside the selection
  bool continue_on_error = false;
  bool fail_fast = true;
  int max_parallel = 0;  // 0: unlimited
  int running = 0;
  // Filled once, when the job is expanded, and never resized after: retry timers and
  // JobRun callbacks hold references to instances and their indices.
  std::vector<Instance> instances;
  std::vector<std::unique_ptr<JobRun>> retired;  // earlier attempts, kept for their records
  Value outputs = Value::object();
  Value inputs = Value::object();   // caller jobs: `with:` evaluated, the inputs of inner jobs
  Value secrets = Value::object();  // caller jobs: the secrets inner jobs see
  JobRecord record;                 // the node's own record (callers, skipped jobs, matrices)

  // A job without a matrix is its one instance: the instance's record is the job's.
  bool single() const { return instances.size() == 1 && instances[0].combo.is_null(); }
};

}  // namespace sluice::engine
