// Append-only log of one step attempt. Implementations write through to disk with
// bounded memory whatever the log size; readers may read the file while it grows.
#pragma once

#include <cstdint>
#include <string>
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
  // Writes out what is buffered, so that it outlives this process (a SIGKILL): the
  // controller does so before it acknowledges an agent's log chunk, which the agent then
  // forgets. Default: nothing is buffered.
  virtual void flush() {}
  virtual int64_t lines() const = 0;
  virtual int64_t bytes() const = 0;
  // Why lines were lost (the file could not be created or written); empty while every
  // line was stored. Lost lines are not counted in lines()/bytes().
  virtual std::string error() const { return ""; }
};

}  // namespace sluice::engine
