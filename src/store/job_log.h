// JobLog: the log file of one job attempt, which its step attempts write one after
// another; each step attempt's text is a slice of it (offset, bytes) that the attempts
// table indexes. One file per job rather than per step keeps a step's cost at no file
// creation: on ext4 creating a file costs about as much as the rest of a `run: true`
// step's bookkeeping.
//
// The file (and its directory) is created when the first line arrives, so a job whose
// steps print nothing leaves no file; readers treat a missing file as empty.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "engine/log_writer.h"
#include "store/file_log_writer.h"

namespace sluice::store {

class JobLog : public std::enable_shared_from_this<JobLog> {
 public:
  JobLog(std::filesystem::path file, FileLogWriterOptions options)
      : file_(std::move(file)), options_(options) {}

  // A writer for the next step attempt. Its text starts at `*offset`. Attempts must not
  // overlap: the previous one is closed before the next opens.
  std::shared_ptr<engine::LogWriter> open_attempt(int64_t* offset);
  // Flushes and closes the file; appends after this are ignored.
  void close();

  // Appends one line; false when it was dropped (the file could not be created or written).
  bool append(std::string_view line);
  void flush();
  // Why lines were dropped; empty while everything was written.
  std::string error() const;
  // What reached the file so far (lines lost with a failed write are not counted).
  int64_t written_lines() const;
  int64_t written_bytes() const;

 private:
  std::filesystem::path file_;
  FileLogWriterOptions options_;
  mutable std::mutex mutex_;
  std::shared_ptr<FileLogWriter> writer_;  // created with the first line
  std::string open_error_;
  bool closed_ = false;
};

}  // namespace sluice::store
