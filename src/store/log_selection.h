// Which logs `sluice logs RUN [JOB[/STEP]]` prints, and reading a log while it grows.
#pragma once

#include <cstdint>
#include <filesystem>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "engine/store.h"

namespace sluice::store {

// Resolves "JOB" or "JOB/STEP" against a run. JOB is a job key ("build (linux, 18)"),
// a job id (every matrix instance of it) or a job name; STEP is a step id, a step name
// or a 1-based step number. An empty selector selects every attempt. The result is in
// the run's order; the error lists what exists so the user can correct the name.
Result<std::vector<engine::AttemptRecord>> select_attempts(const engine::RunDetail& detail,
                                                           std::string_view selector);

// "==> build (linux, 18) / 2. compile / attempt 1 of 2 [failure] <=="
std::string attempt_header(const engine::RunDetail& detail, const engine::AttemptRecord& attempt);

// Reads a log file incrementally, in 64 KiB chunks (memory does not grow with the log).
// Only whole lines are copied until `final` is set, so that a follower never prints
// half a line that is still being written.
class LogTail {
 public:
  explicit LogTail(std::filesystem::path path) : path_(std::move(path)) {}
  // Copies the text added since the last call to `out`; returns the bytes copied.
  // A missing file reads as empty.
  uint64_t copy_new(std::ostream& out, bool final = false);
  uint64_t offset() const { return offset_; }

 private:
  std::filesystem::path path_;
  uint64_t offset_ = 0;
};

}  // namespace sluice::store
