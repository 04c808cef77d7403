#include "exec/remote/remote_executor.h"

#include <vector>

#include "core/secret_masker.h"

namespace sluice::exec::remote {

engine::StepOutcome agent_lost_outcome() {
  engine::StepOutcome o;
  o.started = false;
  o.error_message = "agent lost";
  return o;
}

// Delivers an agent's reports for one step into the engine's LogWriter and on_done.
class RemoteExecutor::Receiver final : public StepReceiver {
 public:
  Receiver(std::shared_ptr<State> owner, engine::ExecutionId id, engine::StepRequest& request,
           std::function<void(engine::StepOutcome)> on_done)
      : owner_(std::move(owner)),
        id_(id),
        log_(request.log),
        masker_(request.masker),
        on_done_(std::move(on_done)) {}

  void on_log(const std::vector<std::string>& lines) override {
    std::lock_guard lock(mutex_);
    if (done_ || !log_) return;
    for (const std::string& line : lines) log_->append_line(masker_ ? masker_->mask(line) : line);
    log_->flush();  // the agent forgets the chunk once it is acknowledged
  }

  void on_result(engine::StepOutcome outcome, const std::vector<std::string>& masks) override {
    {
      std::lock_guard lock(mutex_);
      if (done_) return;
      done_ = true;
    }
    if (masker_)
      for (const std::string& value : masks) masker_->add(value);
    owner_->forget(id_);
    on_done_(std::move(outcome));
  }

 private:
  std::shared_ptr<State> owner_;
  engine::ExecutionId id_;
  std::mutex mutex_;  // the LogWriter is thread-compatible only
  bool done_ = false;
  std::shared_ptr<engine::LogWriter> log_;
  std::shared_ptr<SecretMasker> masker_;
  std::function<void(engine::StepOutcome)> on_done_;
};

RemoteExecutor::RemoteExecutor(AgentTransport& transport, engine::Executor& local)
    : transport_(transport), local_(local) {}

RemoteExecutor::~RemoteExecutor() {
  std::lock_guard lock(state_->mutex);
  state_->jobs.clear();
  state_->executions.clear();
}

void RemoteExecutor::place_job(const engine::JobPlacement& job,
                               std::function<void(engine::PlacementEvent)> on_event) {
  {
    std::lock_guard lock(state_->mutex);
    state_->jobs[job.job_scope] = Job{};
  }
  std::string scope = job.job_scope;
  transport_.request_lease(job,
                           [state = state_, scope, on_event = std::move(on_event)](LeaseEvent e) {
                             using Kind = engine::PlacementEvent::Kind;
                             engine::PlacementEvent event{Kind::kWaiting, e.reason};
                             {
                               std::lock_guard lock(state->mutex);
                               auto it = state->jobs.find(scope);
                               if (it == state->jobs.end())
                                 return;  // released meanwhile, or the executor is gone
                               if (e.kind == LeaseEvent::Kind::kGranted) {
                                 it->second.granted = true;
                                 it->second.local = e.local;
                                 event.kind = Kind::kPlaced;
                               } else if (e.kind == LeaseEvent::Kind::kLost) {
                                 it->second.lost = true;
                                 event.kind = Kind::kLost;
                               }
                             }
                             on_event(std::move(event));
                           });
}

void RemoteExecutor::release_job(const std::string& job_scope) {
  {
    std::lock_guard lock(state_->mutex);
    state_->jobs.erase(job_scope);
  }
  transport_.release(job_scope);
}

engine::ExecutionId RemoteExecutor::start(engine::StepRequest request,
                                          std::function<void(engine::StepOutcome)> on_done) {
  engine::ExecutionId id;
  bool local = false, usable = false, killed = false;
  {
    std::lock_guard lock(state_->mutex);
    id = state_->next_id++;
    auto it = state_->jobs.find(request.job_scope);
    // A step of a job that was never placed here (an engine without place_job) runs locally.
    local = it == state_->jobs.end() || it->second.local;
    usable = it == state_->jobs.end() || (it->second.granted && !it->second.lost);
    killed = state_->killed;
    if (usable && !killed) state_->executions[id] = Execution{request.job_scope, local, 0};
  }
  if (killed && !local) {
    engine::StepOutcome o;
    o.started = true;
    o.cancelled = true;
    on_done(std::move(o));
    return id;
  }
  if (!usable) {
    on_done(agent_lost_outcome());
    return id;
  }
  if (local) {
    engine::ExecutionId local_id = local_.start(
        std::move(request), [state = state_, id, on_done = std::move(on_done)](auto outcome) {
          state->forget(id);
          on_done(std::move(outcome));
        });
    std::lock_guard lock(state_->mutex);
    if (auto it = state_->executions.find(id); it != state_->executions.end())
      it->second.local_id = local_id;
    return id;
  }
  std::string scope = request.job_scope;
  auto receiver = std::make_shared<Receiver>(state_, id, request, std::move(on_done));
  transport_.send_step(scope, id, request, std::move(receiver));
  return id;
}

void RemoteExecutor::State::forget(engine::ExecutionId id) {
  std::lock_guard lock(mutex);
  executions.erase(id);
}

void RemoteExecutor::cancel(engine::ExecutionId id) {
  Execution e;
  {
    std::lock_guard lock(state_->mutex);
    auto it = state_->executions.find(id);
    if (it == state_->executions.end()) return;
    e = it->second;
  }
  if (e.local) {
    if (e.local_id) local_.cancel(e.local_id);
  } else {
    transport_.cancel_step(e.job_scope, id);
  }
}

void RemoteExecutor::end_job(const std::string& job_scope) {
  bool local = true;
  {
    std::lock_guard lock(state_->mutex);
    auto it = state_->jobs.find(job_scope);
    if (it != state_->jobs.end()) {
      local = it->second.local;
      state_->jobs.erase(it);
    }
  }
  if (local) local_.end_job(job_scope);
  transport_.release(job_scope);
}

void RemoteExecutor::kill_all() {
  std::vector<std::pair<std::string, engine::ExecutionId>> remote;
  {
    std::lock_guard lock(state_->mutex);
    state_->killed = true;
    for (const auto& [id, e] : state_->executions)
      if (!e.local) remote.emplace_back(e.job_scope, id);
  }
  local_.kill_all();
  for (const auto& [scope, id] : remote) transport_.cancel_step(scope, id);
}

}  // namespace sluice::exec::remote
