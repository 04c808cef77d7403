#include "cli/workflow_lock.h"

#include <fcntl.h>
#include <openssl/sha.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <ostream>

#include "core/value.h"

namespace sluice::cli {

WorkflowLock::~WorkflowLock() {
  if (fd_ >= 0) close(fd_);  // releases the flock
}

bool WorkflowLock::acquire(const std::string& data_dir, const std::string& group, bool cancel_in_progress,
                           std::ostream& progress, std::string& error) {
  std::string key = to_lower(group);  // group names are case-insensitive
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(key.data()), key.size(), digest);
  char hex[17];
  for (int i = 0; i < 8; ++i) std::snprintf(hex + 2 * i, 3, "%02x", digest[i]);
  std::filesystem::path dir = std::filesystem::path(data_dir) / "locks";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  std::string path = (dir / (std::string(hex) + ".lock")).string();
  fd_ = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    error = "cannot open " + path + ": " + std::strerror(errno);
    return false;
  }
  if (flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    char buf[32] = {};
    ssize_t n = pread(fd_, buf, sizeof buf - 1, 0);
    pid_t holder = n > 0 ? static_cast<pid_t>(std::atol(buf)) : 0;
    if (cancel_in_progress && holder > 0) {
      progress << "concurrency group '" << group << "': cancelling the run in progress (pid " << holder << ")\n";
      kill(holder, SIGINT);
    } else {
      progress << "concurrency group '" << group << "': waiting for the run in progress (pid " << holder << ")\n";
    }
    progress.flush();
    while (flock(fd_, LOCK_EX) != 0 && errno == EINTR) {
    }
  }
  std::string pid = std::to_string(getpid()) + "\n";
  if (ftruncate(fd_, 0) != 0 || pwrite(fd_, pid.data(), pid.size(), 0) < 0) {
    error = "cannot write " + path;
    return false;
  }
  return true;
}

}  // namespace sluice::cli
