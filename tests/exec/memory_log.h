// MemoryLog: an in-memory LogWriter for exec tests, with a way to wait for a line (so a
// test can act once a step has reached a point, without sleeping).
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "engine/log_writer.h"

namespace sluice::exec::testing {

class MemoryLog : public engine::LogWriter {
 public:
  void append_line(std::string_view line) override {
    std::lock_guard lock(mutex_);
    if (closed_) return;
    lines_.emplace_back(line);
    bytes_ += static_cast<int64_t>(line.size()) + 1;
    changed_.notify_all();
  }
  void close() override {
    std::lock_guard lock(mutex_);
    closed_ = true;
  }
  int64_t lines() const override {
    std::lock_guard lock(mutex_);
    return static_cast<int64_t>(lines_.size());
  }
  int64_t bytes() const override {
    std::lock_guard lock(mutex_);
    return bytes_;
  }
  std::vector<std::string> all() const {
    std::lock_guard lock(mutex_);
    return lines_;
  }
  std::string text() const {
    std::string out;
    for (const std::string& line : all()) out += line + "\n";
    return out;
  }
  // Waits until some line equals `line`; false after `timeout`.
  bool wait_for(std::string_view line,
                std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] {
      for (const std::string& l : lines_) {
        if (l == line) return true;
      }
      return false;
    });
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::string> lines_;
  int64_t bytes_ = 0;
  bool closed_ = false;
};

}  // namespace sluice::exec::testing
