// StepLog: the log of one step an agent runs. The executor's I/O thread appends lines; the
// outbox (outbox.h) takes them as chunks every 200 ms, or the step's result carries the
// last of them. While the controller cannot be reached the lines wait here, within a bound
// of their own (kMaxPendingBytes): beyond it the newest are dropped and counted, and the
// next chunk opens with a marker line saying how many.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "agent/agent_messages.h"
#include "engine/executor.h"

namespace sluice::agent {

class StepLog final : public engine::LogWriter {
 public:
  static constexpr size_t kChunkBytes = 512 * 1024;
  static constexpr size_t kMaxPendingBytes = 8 * 1024 * 1024;  // lines not yet in the outbox

  StepLog(std::string lease_id, int64_t step_id)
      : lease_id_(std::move(lease_id)), step_id_(step_id) {}
  void append_line(std::string_view line) override;
  void close() override;
  int64_t lines() const override { return lines_; }
  int64_t bytes() const override { return bytes_; }

  // The next chunk of waiting lines, opened by a marker line when lines were dropped
  // before them; false when none wait.
  bool take(LogChunk& chunk);
  // Every waiting line when they fit in one chunk (the result carries them then); false,
  // taking nothing, otherwise.
  bool take_rest(std::vector<std::string>& lines);
  // Lines take_rest() took, back in front of the waiting ones.
  void put_back(std::vector<std::string>& lines);
  // The outbox is full: the waiting lines are dropped and counted.
  void drop_pending();
  bool has_dropped() const;
  int64_t chunks() const;  // chunks taken so far: the next one's seq
  const std::string& lease_id() const { return lease_id_; }
  int64_t step_id() const { return step_id_; }

 private:
  const std::string lease_id_;
  const int64_t step_id_;
  mutable std::mutex mutex_;
  std::deque<std::string> pending_;
  size_t pending_bytes_ = 0;
  int64_t dropped_ = 0;  // lines dropped since the last chunk
  int64_t seq_ = 0;
  bool closed_ = false;
  std::atomic<int64_t> lines_{0}, bytes_{0};
};

}  // namespace sluice::agent
