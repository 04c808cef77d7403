#include "server/run_registry.h"

#include <algorithm>

#include "engine/engine.h"

namespace sluice::server {

class RunRegistry::Attachment : public runner::RunAttachment {
 public:
  Attachment(RunRegistry& registry, int64_t run_id) : registry_(registry), run_id_(run_id) {}
  ~Attachment() override {
    std::lock_guard lock(registry_.mutex_);
    registry_.active_.erase(run_id_);
    registry_.changed_.notify_all();
  }

 private:
  RunRegistry& registry_;
  int64_t run_id_;
};

RunRegistry::~RunRegistry() {
  shutdown(std::chrono::milliseconds(0));
}

void RunRegistry::reap_locked() {
  for (uint64_t id : finished_threads_) {
    auto it = threads_.find(id);
    if (it == threads_.end()) continue;
    if (it->second.joinable()) it->second.join();  // it has left its body: quick
    threads_.erase(it);
  }
  finished_threads_.clear();
}

bool RunRegistry::spawn(std::function<void()> body) {
  std::lock_guard lock(mutex_);
  if (stopping_) return false;
  reap_locked();
  uint64_t id = ++next_thread_;
  threads_[id] = std::thread([this, id, body = std::move(body)] {
    body();
    std::lock_guard lock(mutex_);
    thread_run_.erase(std::this_thread::get_id());
    finished_threads_.push_back(id);
    changed_.notify_all();
  });
  return true;
}

std::unique_ptr<runner::RunAttachment> RunRegistry::attach(runner::ActiveRun& run) {
  std::lock_guard lock(mutex_);
  active_[run.run.id] = &run;
  thread_run_[std::this_thread::get_id()] = run.run.id;
  // A run attached after shutdown's grace began cancelling is cancelled at once.
  if (stopping_ && cancel_all_) {
    engine::Engine* engine = &run.engine;
    run.loop.post([engine] { engine->cancel(); });
  }
  return std::make_unique<Attachment>(*this, run.run.id);
}

bool RunRegistry::cancel(int64_t run_id) {
  std::lock_guard lock(mutex_);
  auto it = active_.find(run_id);
  if (it == active_.end()) return false;
  engine::Engine* engine = &it->second->engine;
  it->second->loop.post([engine] { engine->cancel(); });
  return true;
}

int RunRegistry::active_count() const {
  std::lock_guard lock(mutex_);
  return static_cast<int>(active_.size());
}

std::vector<int64_t> RunRegistry::active_ids() const {
  std::lock_guard lock(mutex_);
  std::vector<int64_t> ids;
  for (const auto& [id, run] : active_) ids.push_back(id);
  return ids;
}

bool RunRegistry::stopping() const {
  std::lock_guard lock(mutex_);
  return stopping_;
}

bool RunRegistry::acquire_group(const std::string& group, bool cancel_in_progress, bool queue_all) {
  std::unique_lock lock(mutex_);
  uint64_t ticket = next_ticket_++;
  auto holder = group_holder_.find(group);
  if (cancel_in_progress && holder != group_holder_.end()) {
    auto run = thread_run_.find(holder->second);
    if (run != thread_run_.end()) {
      auto active = active_.find(run->second);
      if (active != active_.end()) {
        engine::Engine* engine = &active->second->engine;
        active->second->loop.post([engine] { engine->cancel(); });
      }
    }
  }
  auto& waiting = group_waiting_[group];
  if (!queue_all)  // queue: single: the newcomer replaces whoever waits
    for (uint64_t t : waiting) cancelled_tickets_[t] = true;
  waiting.push_back(ticket);
  changed_.notify_all();
  changed_.wait(lock, [&] {
    return cancelled_tickets_.count(ticket) || stopping_ ||
           (!group_holder_.count(group) && group_waiting_[group].front() == ticket);
  });
  auto& queue = group_waiting_[group];
  queue.erase(std::find(queue.begin(), queue.end(), ticket));
  bool acquired = !cancelled_tickets_.erase(ticket) && !stopping_;
  if (acquired) group_holder_[group] = std::this_thread::get_id();
  if (queue.empty()) group_waiting_.erase(group);
  changed_.notify_all();
  return acquired;
}

void RunRegistry::release_group(const std::string& group) {
  std::lock_guard lock(mutex_);
  group_holder_.erase(group);
  changed_.notify_all();
}

void RunRegistry::shutdown(std::chrono::milliseconds grace) {
  std::unique_lock lock(mutex_);
  stopping_ = true;
  changed_.notify_all();
  changed_.wait_for(lock, grace, [&] { return active_.empty(); });
  cancel_all_ = true;
  for (const auto& [id, run] : active_) {
    engine::Engine* engine = &run->engine;
    run->loop.post([engine] { engine->cancel(); });
  }
  // Every thread ends: its run finishes cancelled (steps get SIGTERM, then SIGKILL).
  changed_.wait(lock, [&] { return finished_threads_.size() == threads_.size(); });
  reap_locked();
}

}  // namespace sluice::server
