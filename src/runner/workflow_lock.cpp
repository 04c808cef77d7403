#include "runner/workflow_lock.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <ostream>

#include "core/encodings.h"
#include "core/sha256.h"
#include "core/value.h"

namespace sluice::runner {
namespace {

constexpr int kMaxPending = 100;  // runs waiting with `queue: max`, as on GitHub

// A write lock on bytes [start, start + length) of the file; length 0 is "to the end",
// so the default is the whole file.
struct flock range(short type, off_t start = 0, off_t length = 0) {
  struct flock lock {};
  lock.l_type = type;
  lock.l_whence = SEEK_SET;
  lock.l_start = start;
  lock.l_len = length;
  return lock;
}

bool try_lock(int fd, off_t start = 0, off_t length = 0) {
  struct flock lock = range(F_WRLCK, start, length);
  return fcntl(fd, F_SETLK, &lock) == 0;
}

// The process holding the lock on `fd`, or 0 when nobody does.
pid_t holder_of(int fd, off_t start = 0, off_t length = 0) {
  struct flock lock = range(F_WRLCK, start, length);
  if (fcntl(fd, F_GETLK, &lock) != 0 || lock.l_type == F_UNLCK) return 0;
  return lock.l_pid;
}

// Waits for the lock; false when a signal raised `interrupts` meanwhile.
bool wait_lock(int fd, const std::atomic<int>& interrupts, off_t start = 0, off_t length = 0) {
  struct flock lock = range(F_WRLCK, start, length);
  while (fcntl(fd, F_SETLKW, &lock) != 0) {
    if (errno != EINTR || interrupts > 0) return false;
  }
  return interrupts == 0;
}

void unlock(int fd, off_t start, off_t length) {
  struct flock lock = range(F_UNLCK, start, length);
  fcntl(fd, F_SETLK, &lock);
}

}  // namespace

WorkflowLock::~WorkflowLock() {
  for (int fd : {pending_fd_, queue_fd_, run_fd_}) {
    if (fd >= 0) close(fd);  // releases the lock
  }
}

WorkflowLock::Outcome WorkflowLock::acquire(const std::string& data_dir, const std::string& group,
                                            bool cancel_in_progress, bool queue_all,
                                            const std::atomic<int>& interrupts,
                                            std::ostream& progress, std::string& error) {
  std::string key = to_lower(group);  // group names are case-insensitive
  std::string hex = hex_encode(sha256_raw(key).substr(0, 8));
  std::filesystem::path dir = std::filesystem::path(data_dir) / "locks";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  auto open_lock = [&](const char* suffix, int& fd) {
    std::string path = (dir / (hex + suffix)).string();
    fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) error = "cannot open " + path + ": " + std::strerror(errno);
    return fd >= 0;
  };
  if (!open_lock(".lock", run_fd_) || !open_lock(".pending", pending_fd_)) return Outcome::kFailed;
  if (queue_all) {
    if (!open_lock(".queue", queue_fd_)) return Outcome::kFailed;
    Outcome turn = wait_turn(interrupts, progress, group);
    if (turn == Outcome::kFailed)
      error = "cannot take a place in the queue of concurrency group '" + group + "'";
    if (turn != Outcome::kAcquired) return turn;
    // Our predecessor has finished; a run of the group without `queue: max` may hold it.
    if (!try_lock(run_fd_)) {
      progress << "concurrency group '" << group << "': waiting for the run in progress (pid "
               << holder_of(run_fd_) << ")\n";
      progress.flush();
      if (!wait_lock(run_fd_, interrupts)) return Outcome::kCancelled;
    }
    return Outcome::kAcquired;
  }
  if (try_lock(run_fd_)) return Outcome::kAcquired;

  // Take the pending slot; whoever held it gives way (GitHub keeps only the newest).
  if (!try_lock(pending_fd_)) {
    if (pid_t waiting = holder_of(pending_fd_); waiting > 0) {
      progress << "concurrency group '" << group << "': cancelling the pending run (pid " << waiting
               << "); only the newest run waits\n";
      progress.flush();
      kill(waiting, SIGINT);
    }
    if (!wait_lock(pending_fd_, interrupts)) return Outcome::kCancelled;
  }
  pid_t holder = holder_of(run_fd_);
  if (cancel_in_progress && holder > 0) {
    progress << "concurrency group '" << group << "': cancelling the run in progress (pid "
             << holder << ")\n";
    kill(holder, SIGINT);
  } else {
    progress << "concurrency group '" << group << "': waiting for the run in progress (pid "
             << holder << ")\n";
  }
  progress.flush();
  if (!wait_lock(run_fd_, interrupts)) return Outcome::kCancelled;
  close(pending_fd_);  // the slot is free for the next run to wait in
  pending_fd_ = -1;
  return Outcome::kAcquired;
}

WorkflowLock::Outcome WorkflowLock::wait_turn(const std::atomic<int>& interrupts,
                                              std::ostream& progress, const std::string& group) {
  // Take a ticket: the counter is read and bumped under the .pending lock.
  if (!wait_lock(pending_fd_, interrupts)) return Outcome::kCancelled;
  int64_t ticket = 0;
  if (pread(queue_fd_, &ticket, sizeof ticket, 0) != static_cast<ssize_t>(sizeof ticket))
    ticket = 0;
  int64_t next = ticket + 1;
  bool written = pwrite(queue_fd_, &next, sizeof next, 0) == static_cast<ssize_t>(sizeof next);
  // Byte 8 + N stands for ticket N, held until this run ends (the fd closes).
  bool held = written && try_lock(queue_fd_, static_cast<off_t>(8 + ticket), 1);
  unlock(pending_fd_, 0, 0);
  if (!held) return Outcome::kFailed;
  if (ticket == 0) return Outcome::kAcquired;
  // GitHub's queue holds 100 runs besides the one in progress; a newcomer beyond that is
  // cancelled. Runs still holding their ticket are the ones waiting or running.
  int ahead_of_us = 0;
  for (int64_t t = std::max<int64_t>(0, ticket - kMaxPending - 1); t < ticket; ++t) {
    if (holder_of(queue_fd_, static_cast<off_t>(8 + t), 1) > 0) ++ahead_of_us;
  }
  if (ahead_of_us > kMaxPending) {
    progress << "concurrency group '" << group << "': " << kMaxPending
             << " runs are already waiting\n";
    progress.flush();
    return Outcome::kCancelled;
  }
  off_t previous = static_cast<off_t>(8 + ticket - 1);
  if (pid_t ahead = holder_of(queue_fd_, previous, 1); ahead > 0) {
    progress << "concurrency group '" << group << "': queued behind the run of pid " << ahead
             << "\n";
    progress.flush();
  }
  if (!wait_lock(queue_fd_, interrupts, previous, 1)) return Outcome::kCancelled;
  unlock(queue_fd_, previous, 1);
  return Outcome::kAcquired;
}

}  // namespace sluice::runner
