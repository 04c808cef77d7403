#include "store/job_log.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <system_error>

namespace sluice::store {
namespace {

// One step attempt's slice of a JobLog: counts its own lines and bytes. Appends come from
// the executor's I/O thread while the step runs and from the engine thread around it.
class AttemptLog : public engine::LogWriter {
 public:
  explicit AttemptLog(std::shared_ptr<JobLog> job)
      : job_(std::move(job)),
        lines_before_(job_->written_lines()),
        bytes_before_(job_->written_bytes()) {}
  ~AttemptLog() override { close(); }

  void append_line(std::string_view line) override {
    if (closed_ || !job_->append(line)) return;
    ++lines_;
    bytes_ += static_cast<int64_t>(line.size()) + 1;
  }
  // A finished attempt's text is on disk: `sluice logs` may read it at once.
  void close() override {
    if (closed_.exchange(true)) return;
    job_->flush();
    // Lines counted when they were buffered may have been lost with a later write (a full
    // disk): count only what reached the file. Attempts of a job never overlap, so this
    // attempt's part of the file is what the job wrote since it opened.
    if (!job_->error().empty()) {
      lines_ = std::min<int64_t>(lines_, job_->written_lines() - lines_before_);
      bytes_ = std::min<int64_t>(bytes_, job_->written_bytes() - bytes_before_);
    }
  }
  void flush() override { job_->flush(); }
  int64_t lines() const override { return lines_; }
  int64_t bytes() const override { return bytes_; }
  std::string error() const override { return job_->error(); }

 private:
  std::shared_ptr<JobLog> job_;
  std::atomic<bool> closed_ = false;
  std::atomic<int64_t> lines_ = 0;
  std::atomic<int64_t> bytes_ = 0;
  const int64_t lines_before_;  // what the job's file held when this attempt opened
  const int64_t bytes_before_;
};

}  // namespace

std::shared_ptr<engine::LogWriter> JobLog::open_attempt(int64_t* offset) {
  {
    std::lock_guard lock(mutex_);
    *offset = writer_ ? writer_->bytes() : 0;
  }
  return std::make_shared<AttemptLog>(shared_from_this());
}

bool JobLog::append(std::string_view line) {
  std::lock_guard lock(mutex_);
  if (closed_ || !open_error_.empty()) return false;
  if (!writer_) {
    std::error_code ec;
    std::filesystem::create_directories(file_.parent_path(), ec);
    if (ec) {
      open_error_ = fmt::format("cannot create log directory {}: {}", file_.parent_path().string(),
                                ec.message());
      return false;
    }
    auto opened = FileLogWriter::open(file_, options_);
    if (!opened) {
      open_error_ = opened.error().message;
      return false;
    }
    writer_ = std::move(*opened);
  }
  int64_t dropped = writer_->dropped_lines();
  writer_->append_line(line);
  return writer_->dropped_lines() == dropped;
}

void JobLog::flush() {
  std::lock_guard lock(mutex_);
  if (writer_) writer_->flush();
}

void JobLog::close() {
  std::lock_guard lock(mutex_);
  closed_ = true;
  if (writer_) writer_->close();
}

int64_t JobLog::written_lines() const {
  std::lock_guard lock(mutex_);
  return writer_ ? writer_->lines() : 0;
}

int64_t JobLog::written_bytes() const {
  std::lock_guard lock(mutex_);
  return writer_ ? writer_->bytes() : 0;
}

std::string JobLog::error() const {
  std::lock_guard lock(mutex_);
  if (!open_error_.empty()) return open_error_;
  return writer_ ? writer_->write_error() : "";
}

}  // namespace sluice::store
