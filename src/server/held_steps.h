// HeldSteps: where the reports of steps that agents held across a controller restart land
// (docs/agent-protocol.md, "Controller restarts").
//
// A new controller process knows none of the old one's leases and step ids. An agent that
// registers again names the steps it still holds (agent::HeldStep, with the old
// controller's step_proof, checked by the AgentHub). claim() checks each against the store:
// the run's owner (store/run_owner.h) is a process that is gone (not this one), its job's
// latest attempt is the one named, and the step's record and attempt are not finished,
// or were only marked interrupted by the start-up recovery (store/run_recovery.h). The
// recovery runs first, when the controller opens its store; a delivery lands afterwards
// in the interrupted records:
//  - log lines are masked with the controller's secrets and the step's ::add-mask:: values
//    and appended to the job attempt's log file, whose last slice is the step's attempt,
//    each chunk once, even across a controller killed during the delivery (Progress);
//  - the result sets the attempt's and the step's status, exit code, outputs, reason
//    ("delivered by agent NAME after a controller restart"), and the log slice's size, and
//    adds the step's annotations; continue-on-error applies as the engine said when it
//    sent the step (HeldStep::terms, under the proof), a result the agent killed at the
//    step's timeout is timed_out, and the step's summary joins the run's summary file;
//  - when the engine said the step closes its job (terms.closes_job), the job concludes
//    from it, and the run too when every other job had ended then (terms.run_if_*) and
//    none is recorded interrupted now. Otherwise the job and the run stay `interrupted`:
//    the engine that would have run the job's later steps is gone (`sluice rerun
//    --failed` runs them). The step's env, path and state are not kept: only the job's
//    later steps would read them.
//
// Threading: thread-safe; calls for one held step come one at a time (the hub serialises
// them).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "agent/agent_messages.h"
#include "core/result.h"
#include "engine/clock.h"
#include "engine/store.h"

namespace sluice::server {

class HeldStepSink {
 public:
  virtual ~HeldStepSink() = default;
  // "" when the step's reports may land; otherwise why not ("run 12 has finished").
  virtual std::string claim(const agent::HeldStep& step) = 0;
  // The step's log chunk `seq` (the lines riding in its result: seq = its log_chunks),
  // masked by the agent with the job's secrets. A chunk appended already, by this process
  // or by one killed during the delivery, is not appended again.
  virtual Status append_log(const agent::HeldStep& step, int64_t seq,
                            const std::vector<std::string>& lines) = 0;
  // The step's result; committed when it returns. `agent_name` names the deliverer.
  virtual Status record_result(const agent::HeldStep& step, const agent::StepResult& result,
                               const std::string& agent_name) = 0;
};

class StoreHeldSteps final : public HeldStepSink {
 public:
  // `own_owner`: this process's owner token (its runs are not held by anybody); `mask`:
  // the controller's masking of every project's secrets.
  StoreHeldSteps(engine::Store& store, std::filesystem::path data_dir, std::string own_owner,
                 std::function<std::string(const std::string&)> mask, const engine::Clock& clock);

  std::string claim(const agent::HeldStep& step) override;
  Status append_log(const agent::HeldStep& step, int64_t seq,
                    const std::vector<std::string>& lines) override;
  Status record_result(const agent::HeldStep& step, const agent::StepResult& result,
                       const std::string& agent_name) override;

 private:
  // The records a claim found; appends and the result update them.
  struct Claimed {
    engine::StepRecord step;
    engine::AttemptRecord attempt;
  };
  static std::string key_of(const agent::HeldStep& step);
  struct Progress;
  std::filesystem::path progress_file(const agent::HeldStep& step,
                                      const engine::AttemptRecord& attempt) const;
  static Progress read_progress(const std::filesystem::path& file);
  static Status write_progress(const std::filesystem::path& file, const Progress& progress);
  Status append_summary(const agent::HeldStep& step, const std::string& summary);
  Status conclude(const agent::HeldStep& step, engine::RunStatus step_conclusion,
                  const std::string& agent_name);

  engine::Store& store_;
  std::filesystem::path data_dir_;
  std::string own_owner_;
  std::function<std::string(const std::string&)> mask_;
  const engine::Clock& clock_;
  std::mutex mutex_;
  std::map<std::string, Claimed> claimed_;
};

}  // namespace sluice::server
