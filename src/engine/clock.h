// Time, behind an interface so that the engine's tests run on a manual clock.
#pragma once

#include <cstdint>

namespace sluice::engine {

class Clock {
 public:
  virtual ~Clock() = default;
  // Milliseconds since the Unix epoch.
  virtual int64_t now_ms() const = 0;
};

class SystemClock : public Clock {
 public:
  int64_t now_ms() const override;
};

// A clock that moves only when told to. Not thread-safe: tests drive it from one thread.
class ManualClock : public Clock {
 public:
  explicit ManualClock(int64_t start_ms = 1'700'000'000'000) : now_(start_ms) {}
  int64_t now_ms() const override { return now_; }
  void advance_ms(int64_t ms) { now_ += ms; }

 private:
  int64_t now_;
};

}  // namespace sluice::engine
