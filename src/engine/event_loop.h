// EventLoop: the one thread that owns a run's state processes events from here.
//
// Other threads (executor I/O, signal handlers) never touch run state; they post()
// closures. Timers (timeouts, retry backoff) fire on the loop's clock, so tests that use
// a ManualClock control time exactly: run_ready() fires whatever is due "now".
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>

#include "engine/clock.h"

namespace sluice::engine {

class EventLoop {
 public:
  using TimerId = uint64_t;
  explicit EventLoop(const Clock& clock) : clock_(clock) {}

  // Thread-safe; wakes wait_for_work().
  void post(std::function<void()> event);

  // Engine thread only.
  TimerId add_timer(int64_t delay_ms, std::function<void()> callback);
  void cancel_timer(TimerId id);

  // Runs posted events and due timers until none is left. Returns whether it ran any.
  bool run_ready();
  // Blocks until an event is posted or the earliest timer is due (by the real clock),
  // or at most `max_wait_ms`.
  void wait_for_work(int64_t max_wait_ms = 1000);
  size_t pending_timers() const { return timers_.size(); }
  // When the earliest timer is due (clock ms), or -1.
  int64_t next_timer_ms() const;

 private:
  const Clock& clock_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> events_;  // guarded by mutex_
  // Timers, engine thread only: (due ms, id) -> callback; ids keep equal deadlines FIFO.
  std::map<std::pair<int64_t, TimerId>, std::function<void()>> timers_;
  std::map<TimerId, int64_t> timer_due_;
  TimerId next_timer_id_ = 1;
};

}  // namespace sluice::engine
