// RemoteExecutor: the controller's executor. It places each job attempt through an
// AgentTransport (server::AgentHub: a lease on an agent with the job's `runs-on` labels),
// then routes every step of the job to where the job is leased: the built-in agent's
// LocalProcessExecutor, or a remote agent (the step request goes out, log lines and the
// outcome come back). The engine stays the only scheduler: it sees one Executor.
//
// Log lines from an agent were masked there with the job's secrets; they are masked again
// here with the run's masker before they reach the LogWriter, and the values a step
// registered with ::add-mask:: on the agent are added to the run's masker.
//
// A job whose lease is lost (PlacementEvent::kLost) has its running step ended by the
// transport; any later step of that attempt ends at once with started = false and
// "agent lost", so the attempt fails and the engine's retry policy decides.
//
// Threading: Executor methods on engine threads (several engines may share one
// RemoteExecutor); transport callbacks on any thread. One mutex guards the maps; no
// callback is called under it. The transport and the local executor must outlive it; the
// transport's callbacks may come after it is gone (they then reach nobody).
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "engine/executor.h"
#include "exec/remote/agent_transport.h"

namespace sluice::exec::remote {

class RemoteExecutor final : public engine::Executor {
 public:
  RemoteExecutor(AgentTransport& transport, engine::Executor& local);
  ~RemoteExecutor() override;
  RemoteExecutor(const RemoteExecutor&) = delete;
  RemoteExecutor& operator=(const RemoteExecutor&) = delete;

  void place_job(const engine::JobPlacement& job,
                 std::function<void(engine::PlacementEvent)> on_event) override;
  void release_job(const std::string& job_scope) override;
  engine::ExecutionId start(engine::StepRequest request,
                            std::function<void(engine::StepOutcome)> on_done) override;
  void cancel(engine::ExecutionId id) override;
  void end_job(const std::string& job_scope) override;
  void kill_all() override;

 private:
  struct Job {
    bool granted = false;
    bool local = false;
    bool lost = false;
  };
  struct Execution {
    std::string job_scope;
    bool local = false;
    engine::ExecutionId local_id = 0;  // the local executor's id, once known
  };
  // What the transport's callbacks touch: shared with them, so that a callback the
  // transport runs after this executor is gone (it calls them outside its lock) finds the
  // job forgotten instead of freed memory.
  struct State {
    std::mutex mutex;
    std::map<std::string, Job> jobs;  // by job scope, from place_job to end_job
    std::map<engine::ExecutionId, Execution> executions;
    engine::ExecutionId next_id = 1;
    bool killed = false;
    void forget(engine::ExecutionId id);
  };
  class Receiver;

  AgentTransport& transport_;
  engine::Executor& local_;
  std::shared_ptr<State> state_ = std::make_shared<State>();
};

}  // namespace sluice::exec::remote
