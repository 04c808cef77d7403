#include "agent/step_log.h"

namespace sluice::agent {

void StepLog::append_line(std::string_view line) {
  std::lock_guard lock(mutex_);
  if (closed_) return;
  ++lines_;
  bytes_ += static_cast<int64_t>(line.size()) + 1;
  // The outbox takes lines every 200 ms; while it is stuck on an unreachable controller
  // they wait here, within a bound of their own.
  if (pending_bytes_ + line.size() > kMaxPendingBytes) {
    ++dropped_;
    return;
  }
  pending_.emplace_back(line);
  pending_bytes_ += line.size();
}

void StepLog::close() {
  std::lock_guard lock(mutex_);
  closed_ = true;
}

bool StepLog::take(LogChunk& chunk) {
  std::lock_guard lock(mutex_);
  if (pending_.empty() && dropped_ == 0) return false;
  chunk.seq = seq_++;
  chunk.lines.clear();
  if (dropped_ > 0) {
    chunk.lines.push_back("sluice-agent: " + std::to_string(dropped_) +
                          " log lines dropped (the controller could not be reached and the "
                          "agent's outbox was full)");
    dropped_ = 0;
  }
  size_t bytes = 0;
  while (!pending_.empty() && chunk.lines.size() < kMaxLinesPerChunk &&
         (chunk.lines.empty() || bytes + pending_.front().size() < kChunkBytes)) {
    bytes += pending_.front().size();
    pending_bytes_ -= pending_.front().size();
    chunk.lines.push_back(std::move(pending_.front()));
    pending_.pop_front();
  }
  return true;
}

bool StepLog::take_rest(std::vector<std::string>& lines) {
  std::lock_guard lock(mutex_);
  size_t bytes = 0;
  for (const std::string& line : pending_) bytes += line.size();
  if (pending_.size() > kMaxLinesPerChunk || bytes >= kChunkBytes) return false;
  lines.assign(std::make_move_iterator(pending_.begin()), std::make_move_iterator(pending_.end()));
  pending_.clear();
  pending_bytes_ = 0;
  return true;
}

void StepLog::put_back(std::vector<std::string>& lines) {
  std::lock_guard lock(mutex_);
  for (const std::string& line : lines) pending_bytes_ += line.size();
  pending_.insert(pending_.begin(), std::make_move_iterator(lines.begin()),
                  std::make_move_iterator(lines.end()));
  lines.clear();
}

void StepLog::drop_pending() {
  std::lock_guard lock(mutex_);
  dropped_ += static_cast<int64_t>(pending_.size());
  pending_.clear();
  pending_bytes_ = 0;
}

bool StepLog::has_dropped() const {
  std::lock_guard lock(mutex_);
  return dropped_ > 0;
}

int64_t StepLog::chunks() const {
  std::lock_guard lock(mutex_);
  return seq_;
}

}  // namespace sluice::agent
