#include "server/run_workspaces.h"

#include <filesystem>

namespace sluice::server {

namespace {

// The run's local executor, seen from the controller: a step starting through it may write
// into the workspace.
class WatchedExecutor final : public engine::Executor {
 public:
  WatchedExecutor(engine::Executor& local, RunWorkspaces::Registration& registration)
      : local_(local), registration_(registration) {}
  void place_job(const engine::JobPlacement& job,
                 std::function<void(engine::PlacementEvent)> on_event) override {
    local_.place_job(job, std::move(on_event));
  }
  void release_job(const std::string& job_scope) override { local_.release_job(job_scope); }
  engine::ExecutionId start(engine::StepRequest request,
                            std::function<void(engine::StepOutcome)> on_done) override {
    if (Status s = registration_.touch(); !s) {  // before the step can write
      engine::StepOutcome outcome;
      outcome.error_message = s.error().message;
      on_done(std::move(outcome));
      return 0;  // no execution: nothing to cancel
    }
    return local_.start(std::move(request), std::move(on_done));
  }
  void cancel(engine::ExecutionId id) override { local_.cancel(id); }
  void end_job(const std::string& job_scope) override { local_.end_job(job_scope); }
  void kill_all() override { local_.kill_all(); }

 private:
  engine::Executor& local_;
  RunWorkspaces::Registration& registration_;
};

}  // namespace

std::string RunWorkspaces::key(const std::string& workspace) {
  std::string k = std::filesystem::absolute(workspace).lexically_normal().string();
  if (k.size() > 1 && k.back() == '/') k.pop_back();
  return k;
}

std::unique_ptr<RunWorkspaces::Registration> RunWorkspaces::add(const std::string& workspace,
                                                                Snapshot snapshot) {
  auto entry = std::make_shared<Entry>();
  entry->snapshot = std::move(snapshot);
  std::string k = key(workspace);
  {
    std::lock_guard lock(mutex_);
    entries_[k] = entry;
  }
  return std::make_unique<Registration>(*this, k, entry);
}

Status RunWorkspaces::Registration::touch() {
  if (entry_->touched) return Status::Ok();
  if (Status s = Workspaces::materialize(key_, entry_->snapshot); !s) return s;
  entry_->touched = true;
  return Status::Ok();
}

RunWorkspaces::Registration::~Registration() {
  std::lock_guard lock(owner_.mutex_);
  auto it = owner_.entries_.find(key_);
  if (it != owner_.entries_.end() && it->second == entry_) owner_.entries_.erase(it);
}

std::string RunWorkspaces::shared_archive(const std::string& workspace) {
  std::shared_ptr<Entry> entry;
  {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(key(workspace));
    if (it == entries_.end()) return "";
    entry = it->second;
  }
  if (entry->touched) return "";
  return entry->snapshot.archive();
}

std::unique_ptr<engine::Executor> RunWorkspaces::watch(engine::Executor& local,
                                                       Registration& registration) {
  return std::make_unique<WatchedExecutor>(local, registration);
}

}  // namespace sluice::server
