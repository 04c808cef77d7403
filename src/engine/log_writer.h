// Append-only log of one step attempt. Implementations write through to disk with
// bounded memory whatever the log size; readers may read the file while it grows.
#pragma once

#include <cstdint>
#include <string_view>

namespace sluice::engine {

class LogWriter {
 public:
  virtual ~LogWriter() = default;
  // Appends one line (without its newline). Already masked by the caller.
  // Thread-compatible: one writer thread at a time.
  virtual void append_line(std::string_view line) = 0;
  // Flushes and closes; later appends are ignored. Idempotent.
  virtual void close() = 0;
  virtual int64_t lines() const = 0;
  virtual int64_t bytes() const = 0;
};

}  // namespace sluice::engine
