#include "store/file_log_writer.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <thread>
#include <vector>

namespace sluice::store {

using SteadyClock = std::chrono::steady_clock;

struct FileLogWriter::State {
  mutable std::mutex mutex;
  int fd = -1;
  std::string path;
  std::string buffer;  // capacity reserved once; never grows past it
  size_t capacity = 0;
  std::chrono::milliseconds flush_interval{200};
  SteadyClock::time_point pending_since;  // when the buffer went from empty to non-empty
  bool closed = false;
  std::string error;
  int64_t lines = 0;
  int64_t bytes = 0;
  int64_t dropped_lines = 0;
  int64_t buffered_lines = 0;  // lines in `buffer`, so a failed flush can count them as lost
  std::function<ssize_t(int, const iovec*, int)> writev;  // empty: ::writev

  // Writes all of `parts` (retrying short writes and EINTR). Requires `mutex`.
  bool write_all_locked(iovec* parts, int count) {
    while (count > 0) {
      ssize_t written = writev ? writev(fd, parts, count) : ::writev(fd, parts, count);
      if (written < 0) {
        if (errno == EINTR) continue;
        error = fmt::format("cannot write log {}: {}", path, std::strerror(errno));
        return false;
      }
      auto remaining = static_cast<size_t>(written);
      while (count > 0 && remaining >= parts->iov_len) {
        remaining -= parts->iov_len;
        ++parts;
        --count;
      }
      if (count > 0) {
        parts->iov_base = static_cast<char*>(parts->iov_base) + remaining;
        parts->iov_len -= remaining;
      }
    }
    return true;
  }

  bool flush_locked() {
    if (buffer.empty() || !error.empty()) return error.empty();
    iovec part{buffer.data(), buffer.size()};
    bool ok = write_all_locked(&part, 1);
    if (!ok) {
      // lines()/bytes() describe what reached the file; a lost buffer leaves them.
      lines -= buffered_lines;
      bytes -= static_cast<int64_t>(buffer.size());
      dropped_lines += buffered_lines;
    }
    buffer.clear();  // keeps the reserved capacity
    buffered_lines = 0;
    return ok;
  }

  void close_locked() {
    if (closed) return;
    flush_locked();
    closed = true;
    if (fd >= 0 && ::close(fd) != 0 && error.empty()) {
      error = fmt::format("cannot close log {}: {}", path, std::strerror(errno));
    }
    fd = -1;
    std::string().swap(buffer);
  }
};

namespace {

// One thread for all open logs: it wakes a few times per flush interval and writes out
// buffers whose oldest line has waited long enough. One thread rather than one per
// writer, because a run may have hundreds of steps' logs open at once.
class LogFlusher {
 public:
  static LogFlusher& instance() {
    // Leaked on purpose: writers may still be flushed from static destructors of other
    // objects, and the thread must never be joined during exit.
    static LogFlusher* flusher = new LogFlusher();
    return *flusher;
  }

  void add(const std::shared_ptr<FileLogWriter::State>& state) {
    std::lock_guard lock(mutex_);
    states_.push_back(state);
    tick_ = std::min(tick_, std::max(std::chrono::milliseconds(5), state->flush_interval / 2));
    if (!thread_started_) {
      thread_started_ = true;
      std::thread([this] { loop(); }).detach();
    }
    wake_.notify_one();
  }

 private:
  void loop() {
    std::unique_lock lock(mutex_);
    while (true) {
      wake_.wait_for(lock, tick_);  // an early (spurious) wake-up only flushes sooner
      if (states_.empty()) {
        wake_.wait(lock, [this] { return !states_.empty(); });
        continue;
      }
      // Take a snapshot so writers registering meanwhile are not blocked by flushes.
      std::vector<std::shared_ptr<FileLogWriter::State>> live;
      std::vector<std::weak_ptr<FileLogWriter::State>> kept;
      for (auto& weak : states_) {
        if (auto state = weak.lock()) {
          live.push_back(state);
          kept.push_back(weak);
        }
      }
      states_ = std::move(kept);
      lock.unlock();
      auto now = SteadyClock::now();
      for (auto& state : live) {
        std::lock_guard state_lock(state->mutex);
        if (!state->closed && !state->buffer.empty() &&
            now - state->pending_since >= state->flush_interval) {
          state->flush_locked();
        }
      }
      live.clear();
      lock.lock();
      // Closed writers need no more visits.
      std::erase_if(states_, [](const std::weak_ptr<FileLogWriter::State>& weak) {
        auto state = weak.lock();
        if (!state) return true;
        std::lock_guard state_lock(state->mutex);
        return state->closed;
      });
    }
  }

  std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<std::weak_ptr<FileLogWriter::State>> states_;
  std::chrono::milliseconds tick_{100};
  bool thread_started_ = false;
};

}  // namespace

Result<std::shared_ptr<FileLogWriter>> FileLogWriter::open(const std::filesystem::path& path,
                                                           FileLogWriterOptions options) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0)
    return Error{fmt::format("cannot open log {}: {}", path.string(), std::strerror(errno)), {}};
  auto state = std::make_shared<State>();
  state->fd = fd;
  state->path = path.string();
  state->capacity = std::max<size_t>(options.buffer_bytes, 1);
  state->buffer.reserve(state->capacity);
  state->flush_interval = options.flush_interval;
  state->writev = options.writev;
  LogFlusher::instance().add(state);
  return std::shared_ptr<FileLogWriter>(new FileLogWriter(std::move(state)));
}

FileLogWriter::~FileLogWriter() {
  close();
}

void FileLogWriter::append_line(std::string_view line) {
  State& s = *state_;
  std::lock_guard lock(s.mutex);
  if (s.closed) return;
  if (!s.error.empty()) {
    ++s.dropped_lines;
    return;
  }
  const size_t need = line.size() + 1;
  if (s.buffer.size() + need > s.capacity && !s.flush_locked()) {
    ++s.dropped_lines;
    return;
  }
  if (need > s.capacity) {
    // Too long to buffer: one writev of the line and its newline, no copy.
    iovec parts[2] = {{const_cast<char*>(line.data()), line.size()}, {const_cast<char*>("\n"), 1}};
    if (!s.write_all_locked(parts, 2)) {
      ++s.dropped_lines;
      return;
    }
  } else {
    if (s.buffer.empty()) s.pending_since = SteadyClock::now();
    s.buffer.append(line);
    s.buffer.push_back('\n');
    ++s.buffered_lines;
  }
  ++s.lines;
  s.bytes += static_cast<int64_t>(need);
}

void FileLogWriter::flush() {
  std::lock_guard lock(state_->mutex);
  state_->flush_locked();
}

void FileLogWriter::close() {
  std::lock_guard lock(state_->mutex);
  state_->close_locked();
}

int64_t FileLogWriter::lines() const {
  std::lock_guard lock(state_->mutex);
  return state_->lines;
}

int64_t FileLogWriter::bytes() const {
  std::lock_guard lock(state_->mutex);
  return state_->bytes;
}

std::string FileLogWriter::write_error() const {
  std::lock_guard lock(state_->mutex);
  return state_->error;
}

int64_t FileLogWriter::dropped_lines() const {
  std::lock_guard lock(state_->mutex);
  return state_->dropped_lines;
}

size_t FileLogWriter::buffered_bytes() const {
  std::lock_guard lock(state_->mutex);
  return state_->buffer.size();
}

size_t FileLogWriter::buffer_capacity() const {
  return state_->capacity;
}

}  // namespace sluice::store
