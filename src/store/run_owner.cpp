#include "store/run_owner.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace sluice::store {

namespace fs = std::filesystem;

namespace {

constexpr const char* kOwnersDir = "owners";

// F_SETLK/F_GETLK description of a write lock on the whole file.
struct flock whole_file_lock() {
  struct flock lock {};
  lock.l_type = F_WRLCK;
  lock.l_whence = SEEK_SET;
  lock.l_start = 0;
  lock.l_len = 0;
  return lock;
}

Error system_error(const std::string& what, const fs::path& path) {
  return Error{fmt::format("{} {}: {}", what, path.string(), std::strerror(errno)), {}};
}

}  // namespace

std::optional<unsigned long long> process_start_ticks(int pid) {
  std::ifstream in(fmt::format("/proc/{}/stat", pid));
  std::string stat;
  if (!in || !std::getline(in, stat)) return std::nullopt;
  // "pid (comm) state ppid ..." where comm may hold spaces and ')': skip past the last ')'.
  size_t close = stat.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(stat.substr(close + 1));
  std::string field;
  for (int index = 3; index <= 22 && fields >> field; ++index) {
    if (index == 22) return std::stoull(field);
  }
  return std::nullopt;
}

std::string own_owner_token() {
  int pid = static_cast<int>(getpid());
  return fmt::format("{}:{}", pid, process_start_ticks(pid).value_or(0));
}

fs::path owner_lock_file(const fs::path& data_dir, const std::string& owner) {
  std::string name = owner;
  for (char& c : name)
    if (c == ':') c = '-';
  return data_dir / kOwnersDir / (name + ".lock");
}

Result<std::unique_ptr<RunOwnerLock>> RunOwnerLock::acquire(const fs::path& data_dir) {
  std::string token = own_owner_token();
  fs::path path = owner_lock_file(data_dir, token);
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  if (ec)
    return Error{fmt::format("cannot create {}: {}", path.parent_path().string(), ec.message()),
                 {}};
  // Locked under a temporary name first: see the invariants in the header.
  fs::path temporary = path;
  temporary += ".tmp";
  int fd = open(temporary.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return system_error("cannot create the run owner lock", temporary);
  struct flock lock = whole_file_lock();
  if (fcntl(fd, F_SETLK, &lock) != 0 || rename(temporary.c_str(), path.c_str()) != 0) {
    Error error = system_error("cannot lock the run owner file", temporary);
    close(fd);
    unlink(temporary.c_str());
    return error;
  }
  return std::unique_ptr<RunOwnerLock>(new RunOwnerLock(path, fd, token));
}

RunOwnerLock::~RunOwnerLock() {
  // Unlinked while still locked: a checker that opened it meanwhile sees the lock, then
  // the run's final state, never a live-looking owner of an unfinished run.
  unlink(path_.c_str());
  close(fd_);
}

OwnerState owner_state(const fs::path& data_dir, const std::string& owner) {
  if (owner.empty()) return OwnerState::kUnknown;
  // Our own record locks never conflict with us, so F_GETLK cannot see them.
  static const std::string own = own_owner_token();
  if (owner == own) return OwnerState::kAlive;
  fs::path path = owner_lock_file(data_dir, owner);
  int fd = open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return errno == ENOENT ? OwnerState::kGone : OwnerState::kUnknown;
  struct flock lock = whole_file_lock();
  int got = fcntl(fd, F_GETLK, &lock);
  close(fd);
  if (got != 0) return OwnerState::kUnknown;
  return lock.l_type == F_UNLCK ? OwnerState::kGone : OwnerState::kAlive;
}

}  // namespace sluice::store
