// Outbox: an agent's reports (log chunks, step results) waiting for the controller, in the
// order they are to be delivered. One thread sends them (Agent::outbox_loop); while the
// controller cannot be reached they wait here. Its log chunks are bounded (limit_bytes):
// beyond it a step's waiting lines are dropped and counted by its StepLog, which then
// sends a marker line; results always go in.
//
// Not thread-safe: the agent's mutex guards it.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <string>

#include "agent/step_log.h"

namespace sluice::agent {

struct Report {
  enum class Kind { kLog, kResult };
  uint64_t serial = 0;  // identifies it in the outbox (set by push())
  std::string lease_id;
  int64_t step_id = 0;
  Kind kind = Kind::kLog;
  int64_t seq = 0;  // kLog
  std::string body;
};

class Outbox {
 public:
  explicit Outbox(size_t limit_bytes) : limit_bytes_(limit_bytes) {}

  void push(Report report);
  // Moves the step's waiting lines in as chunks; beyond the limit they are dropped and
  // counted (`force`: the closing marker chunk goes in regardless).
  void take_lines(StepLog& log, bool force = false);

  bool empty() const { return reports_.empty(); }
  const Report& front() const { return reports_.front(); }
  void pop_front();
  // The report `serial` was delivered: it goes, if it is still the first.
  void delivered(uint64_t serial);
  // Every report for which `drop` says so goes.
  void drop_if(const std::function<bool(const Report&)>& drop);
  const std::deque<Report>& reports() const { return reports_; }
  size_t bytes() const { return bytes_; }

 private:
  const size_t limit_bytes_;
  std::deque<Report> reports_;
  size_t bytes_ = 0;
  uint64_t next_serial_ = 1;
};

}  // namespace sluice::agent
