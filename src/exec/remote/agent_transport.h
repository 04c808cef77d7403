// AgentTransport: what the RemoteExecutor needs from the agents' side of the controller.
// server::AgentHub implements it (leases, label matching, the agents' HTTP endpoints);
// tests use a fake.
//
// Contracts (docs/agent-protocol.md):
//  - request_lease(): `on_event` is called from any thread, never under the caller's locks:
//    kWaiting (reason) any number of times, then kGranted once, then at most one kLost.
//    Nothing more after release().
//  - send_step(): the receiver gets the step's log lines in order, then exactly one
//    result. When the lease is lost, the transport first reports kLost for the lease, then
//    ends each outstanding step with started = false and "agent lost".
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/executor.h"

namespace sluice::exec::remote {

struct LeaseEvent {
  enum class Kind { kWaiting, kGranted, kLost };
  Kind kind = Kind::kWaiting;
  std::string reason;    // kWaiting: "no agent with labels: gpu"; kLost: "agent lost"
  std::string lease_id;  // kGranted
  // kGranted to the controller's built-in agent: the steps run on the local executor.
  bool local = false;
};

class StepReceiver {
 public:
  virtual ~StepReceiver() = default;
  virtual void on_log(const std::vector<std::string>& lines) = 0;
  // `masks`: values the step registered with ::add-mask:: on the agent.
  virtual void on_result(engine::StepOutcome outcome, const std::vector<std::string>& masks) = 0;
};

class AgentTransport {
 public:
  virtual ~AgentTransport() = default;
  virtual void request_lease(const engine::JobPlacement& job,
                             std::function<void(LeaseEvent)> on_event) = 0;
  // Withdraws a request not granted yet, or ends the job's lease (its agent gets end_job).
  virtual void release(const std::string& job_scope) = 0;
  virtual void send_step(const std::string& job_scope, engine::ExecutionId id,
                         const engine::StepRequest& request,
                         std::shared_ptr<StepReceiver> receiver) = 0;
  virtual void cancel_step(const std::string& job_scope, engine::ExecutionId id) = 0;
};

// The outcome of a step whose agent was lost (a lease expired): it did not run to an end
// the controller knows of, so it counts as a failure to start (`retry:` on start-error or
// any failure retries the job).
engine::StepOutcome agent_lost_outcome();

}  // namespace sluice::exec::remote
