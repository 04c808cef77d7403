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

// Reads one attempt's slice of a log file incrementally, in 64 KiB chunks (memory does
// not grow with the log). Until the attempt has finished, its slice runs to the end of
// the file (the job's next step attempt has not started writing yet); set_end() bounds
// it once its size is known. Only whole lines are copied until `final` is set, so that a
// follower never prints half a line that is still being written.
class LogTail {
 public:
  LogTail(std::filesystem::path path, uint64_t begin = 0)
      : path_(std::move(path)), offset_(begin) {}
  void set_end(uint64_t end) { end_ = end; }
  // Copies the text added since the last call to `out`; returns the bytes copied.
  // A missing file reads as empty.
  uint64_t copy_new(std::ostream& out, bool final = false);
  uint64_t offset() const { return offset_; }

 private:
  std::filesystem::path path_;
  uint64_t offset_ = 0;
  uint64_t end_ = UINT64_MAX;
};

}  // namespace sluice::store
