#include "engine/event_loop.h"

#include <chrono>

namespace sluice::engine {

void EventLoop::post(std::function<void()> event) {
  {
    std::lock_guard lock(mutex_);
    events_.push_back(std::move(event));
  }
  wake_.notify_one();
}

EventLoop::TimerId EventLoop::add_timer(int64_t delay_ms, std::function<void()> callback) {
  TimerId id = next_timer_id_++;
  int64_t due = clock_.now_ms() + (delay_ms < 0 ? 0 : delay_ms);
  timers_.emplace(std::make_pair(due, id), std::move(callback));
  timer_due_[id] = due;
  return id;
}

void EventLoop::cancel_timer(TimerId id) {
  auto it = timer_due_.find(id);
  if (it == timer_due_.end()) return;
  timers_.erase({it->second, id});
  timer_due_.erase(it);
}

int64_t EventLoop::next_timer_ms() const {
  return timers_.empty() ? -1 : timers_.begin()->first.first;
}

bool EventLoop::run_ready() {
  bool ran = false;
  for (;;) {
    std::function<void()> event;
    {
      std::lock_guard lock(mutex_);
      if (!events_.empty()) {
        event = std::move(events_.front());
        events_.pop_front();
      }
    }
    if (!event && !timers_.empty() && timers_.begin()->first.first <= clock_.now_ms()) {
      auto it = timers_.begin();
      event = std::move(it->second);
      timer_due_.erase(it->first.second);
      timers_.erase(it);
    }
    if (!event) return ran;
    event();
    ran = true;
  }
}

void EventLoop::wait_for_work(int64_t max_wait_ms) {
  int64_t wait = max_wait_ms;
  if (!timers_.empty())
    wait = std::min(wait, std::max<int64_t>(0, next_timer_ms() - clock_.now_ms()));
  std::unique_lock lock(mutex_);
  wake_.wait_for(lock, std::chrono::milliseconds(wait), [this] { return !events_.empty(); });
}

}  // namespace sluice::engine
