// FileLogWriter: the log of one step attempt as an append-only file on disk.
//
// Memory is bounded whatever the log size: lines collect in one fixed buffer
// (64 KiB by default) that is written out when the next line would not fit, on close(),
// and by a shared background flusher once data has waited `flush_interval` (200 ms by
// default), so that `sluice logs -f` and other readers see a quiet step's output soon
// after it is printed. A line longer than the buffer goes straight to the file. There is
// no syscall per line. Each line is stored exactly as given, followed by '\n'.
//
// Readers may open the file at any time; they see whole buffers (a flush writes whole
// lines, though a reader racing a flush may see the tail of a line only later).
//
// Write errors (disk full, I/O error) are not silent: the first one is kept in
// write_error(); lines lost with the failed write and every line after it are counted in
// dropped_lines(), and lines()/bytes() count only what reached the file.
//
// Threading: append_line/close from one writer thread at a time (as LogWriter requires);
// the flusher thread synchronises with them through a per-writer mutex.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "core/result.h"
#include "engine/log_writer.h"

struct iovec;

namespace sluice::store {

struct FileLogWriterOptions {
  size_t buffer_bytes = 64 * 1024;
  std::chrono::milliseconds flush_interval{200};
  // The call that writes to the file, ::writev when empty. Tests pass a fake disk (one
  // that fills up: short writes, then ENOSPC).
  std::function<ssize_t(int fd, const iovec* parts, int count)> writev;
};

class FileLogWriter : public engine::LogWriter {
 public:
  // Opens (creating, or appending to) the file at `path`; its directory must exist.
  static Result<std::shared_ptr<FileLogWriter>> open(const std::filesystem::path& path,
                                                     FileLogWriterOptions options = {});
  ~FileLogWriter() override;

  void append_line(std::string_view line) override;
  void close() override;
  // Writes out the buffer now.
  void flush();
  int64_t lines() const override;
  int64_t bytes() const override;

  // Empty while every write succeeded.
  std::string write_error() const;
  std::string error() const override { return write_error(); }
  int64_t dropped_lines() const;
  // Bytes currently held in memory, never more than the buffer size: for tests.
  size_t buffered_bytes() const;
  size_t buffer_capacity() const;

  struct State;  // shared with the background flusher; defined in the .cpp

 private:
  explicit FileLogWriter(std::shared_ptr<State> state) : state_(std::move(state)) {}
  std::shared_ptr<State> state_;
};

}  // namespace sluice::store
