#include "cli/workflow_lock.h"

#include <fcntl.h>
#include <openssl/sha.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <ostream>

#include "core/value.h"

namespace sluice::cli {
namespace {

struct flock whole_file(short type) {
  struct flock lock {};
  lock.l_type = type;
  lock.l_whence = SEEK_SET;  // l_start = l_len = 0: the whole file
  return lock;
}

bool try_lock(int fd) {
  struct flock lock = whole_file(F_WRLCK);
  return fcntl(fd, F_SETLK, &lock) == 0;
}

// The process holding the lock on `fd`, or 0 when nobody does.
pid_t holder_of(int fd) {
  struct flock lock = whole_file(F_WRLCK);
  if (fcntl(fd, F_GETLK, &lock) != 0 || lock.l_type == F_UNLCK) return 0;
  return lock.l_pid;
}

// Waits for the lock; false when a signal raised `interrupts` meanwhile.
bool wait_lock(int fd, const std::atomic<int>& interrupts) {
  struct flock lock = whole_file(F_WRLCK);
  while (fcntl(fd, F_SETLKW, &lock) != 0) {
    if (errno != EINTR || interrupts > 0) return false;
  }
  return interrupts == 0;
}

}  // namespace

WorkflowLock::~WorkflowLock() {
  for (int fd : {pending_fd_, run_fd_}) {
    if (fd >= 0) close(fd);  // releases the lock
  }
}

WorkflowLock::Outcome WorkflowLock::acquire(const std::string& data_dir, const std::string& group,
                                            bool cancel_in_progress, const std::atomic<int>& interrupts,
                                            std::ostream& progress, std::string& error) {
  std::string key = to_lower(group);  // group names are case-insensitive
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(key.data()), key.size(), digest);
  char hex[17];
  for (int i = 0; i < 8; ++i) std::snprintf(hex + 2 * i, 3, "%02x", digest[i]);
  std::filesystem::path dir = std::filesystem::path(data_dir) / "locks";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  auto open_lock = [&](const char* suffix, int& fd) {
    std::string path = (dir / (std::string(hex) + suffix)).string();
    fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) error = "cannot open " + path + ": " + std::strerror(errno);
    return fd >= 0;
  };
  if (!open_lock(".lock", run_fd_)) return Outcome::kFailed;
  if (try_lock(run_fd_)) return Outcome::kAcquired;

  // Take the pending slot; whoever held it gives way (GitHub keeps only the newest).
  if (!open_lock(".pending", pending_fd_)) return Outcome::kFailed;
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
    progress << "concurrency group '" << group << "': cancelling the run in progress (pid " << holder << ")\n";
    kill(holder, SIGINT);
  } else {
    progress << "concurrency group '" << group << "': waiting for the run in progress (pid " << holder << ")\n";
  }
  progress.flush();
  if (!wait_lock(run_fd_, interrupts)) return Outcome::kCancelled;
  close(pending_fd_);  // the slot is free for the next run to wait in
  pending_fd_ = -1;
  return Outcome::kAcquired;
}

}  // namespace sluice::cli
