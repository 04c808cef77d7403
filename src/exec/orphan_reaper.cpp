#include "exec/orphan_reaper.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <set>
#include <vector>

#include "exec/process_sweep.h"

extern char** environ;

namespace sluice::exec {

Result<OrphanReaper> OrphanReaper::start(const std::string& binary, const std::string& token) {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
    return Error{std::string("cannot create the reaper's socket: ") + std::strerror(errno), {}};
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&actions);
  posix_spawnattr_init(&attr);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 0);  // dup2 clears close-on-exec
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  posix_spawn_file_actions_addchdir_np(&actions, "/");
  // Its own session: the terminal's Ctrl-C and a kill of sluice's process group miss it.
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID);
  std::vector<std::string> args = {binary, "__reap", token};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  int rc = ::posix_spawn(&pid, binary.c_str(), &actions, &attr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  ::close(fds[1]);
  if (rc != 0) {
    ::close(fds[0]);
    return Error{"cannot start the orphan reaper " + binary + ": " + std::strerror(rc), {}};
  }
  OrphanReaper reaper;
  reaper.socket_ = fds[0];
  reaper.pid_ = pid;
  return reaper;
}

OrphanReaper::~OrphanReaper() {
  if (socket_ >= 0) ::close(socket_);
  if (pid_ > 0) ::waitpid(pid_, nullptr, WNOHANG);
}

OrphanReaper::OrphanReaper(OrphanReaper&& other) noexcept {
  *this = std::move(other);
}

OrphanReaper& OrphanReaper::operator=(OrphanReaper&& other) noexcept {
  std::swap(socket_, other.socket_);
  std::swap(pid_, other.pid_);
  return *this;
}

void OrphanReaper::add_session(pid_t session) {
  send('+', session);
}
void OrphanReaper::remove_session(pid_t session) {
  send('-', session);
}

// MSG_NOSIGNAL: a reaper that died must not take sluice down with SIGPIPE.
void OrphanReaper::send(char op, pid_t session) {
  if (socket_ < 0) return;
  std::string line = op + std::to_string(session) + "\n";
  const char* data = line.data();
  size_t left = line.size();
  while (left > 0) {
    ssize_t n = ::send(socket_, data, left, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    data += n;
    left -= static_cast<size_t>(n);
  }
}

int run_reaper(int input, const std::string& token) {
  if (token.empty()) return 2;
  std::set<pid_t> sessions;
  std::string pending;
  char buffer[4096];
  for (;;) {
    ssize_t n = ::read(input, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    pending.append(buffer, static_cast<size_t>(n));
    size_t end;
    while ((end = pending.find('\n')) != std::string::npos) {
      pid_t session = static_cast<pid_t>(std::strtol(pending.c_str() + 1, nullptr, 10));
      if (session > 1 && pending[0] == '+') sessions.insert(session);
      if (pending[0] == '-') sessions.erase(session);
      pending.erase(0, end + 1);
    }
  }
  // Its own start precedes every step of the sluice that started it.
  sweep_processes(SweepTarget{sessions, {}, token + ".", process_start_time(::getpid())});
  return 0;
}

}  // namespace sluice::exec
