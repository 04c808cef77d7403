#include "exec/orphan_reaper.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <set>

#include "exec/process_sweep.h"

namespace sluice::exec {

namespace {

// In the forked child: a session of its own (the terminal's Ctrl-C and a kill of sluice's
// process group miss it), the socket as stdin, nothing else open, default signal handling.
[[noreturn]] void become_reaper(int socket, const std::string& token) {
  ::setsid();
  ::dup2(socket, 0);  // dup2 clears close-on-exec; nothing is exec'd anyway
  int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null >= 0) {
    ::dup2(null, 1);
    ::dup2(null, 2);
  }
  ::close_range(3, ~0U, 0);
  if (::chdir("/") != 0) {
  }
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGQUIT}) ::sigaction(sig, &dfl, nullptr);
  sigset_t none;
  sigemptyset(&none);
  ::pthread_sigmask(SIG_SETMASK, &none, nullptr);
  // _exit: the parent's atexit handlers and static destructors are not this process's.
  ::_exit(run_reaper(0, token));
}

}  // namespace

// fork() without exec: a second sluice start (exec, loading, static set-up) cost more than
// the rest of a one-step run. The child runs only run_reaper: reads, a std::set and the
// sweep; glibc makes malloc usable in the child of a threaded process, and no other lock of
// the parent is taken.
Result<OrphanReaper> OrphanReaper::start(const std::string& token) {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
    return Error{std::string("cannot create the reaper's socket: ") + std::strerror(errno), {}};
  pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    become_reaper(fds[1], token);
  }
  int error = errno;
  ::close(fds[1]);
  if (pid < 0) {
    ::close(fds[0]);
    return Error{std::string("cannot start the orphan reaper: ") + std::strerror(error), {}};
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
void OrphanReaper::all_clean() {
  send('.', 0);
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

std::string unique_process_token() {
  // The counter tells apart two objects made within the clock's resolution.
  static std::atomic<uint64_t> sequence{0};
  auto now = std::chrono::system_clock::now().time_since_epoch();
  return std::to_string(::getpid()) + "-" +
         std::to_string(std::chrono::duration_cast<std::chrono::nanoseconds>(now).count()) + "-" +
         std::to_string(sequence.fetch_add(1));
}

Result<std::shared_ptr<SharedOrphanReaper>> SharedOrphanReaper::start() {
  std::string token = unique_process_token();
  auto reaper = OrphanReaper::start(token);
  if (!reaper) return reaper.error();
  return std::shared_ptr<SharedOrphanReaper>(
      new SharedOrphanReaper(std::move(*reaper), std::move(token)));
}

SharedOrphanReaper::SharedOrphanReaper(OrphanReaper reaper, std::string token)
    : reaper_(std::move(reaper)), token_(std::move(token)) {}

SharedOrphanReaper::~SharedOrphanReaper() {
  reaper_.all_clean();
}

std::string SharedOrphanReaper::executor_token() {
  std::lock_guard lock(mutex_);
  return token_ + "." + std::to_string(next_executor_++);
}

void SharedOrphanReaper::add_session(pid_t session) {
  std::lock_guard lock(mutex_);
  reaper_.add_session(session);
}

void SharedOrphanReaper::remove_session(pid_t session) {
  std::lock_guard lock(mutex_);
  reaper_.remove_session(session);
}

int run_reaper(int input, const std::string& token) {
  if (token.empty()) return 2;
  std::set<pid_t> sessions;
  bool clean = false;  // the last line was "."
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
      clean = pending[0] == '.';
      pending.erase(0, end + 1);
    }
  }
  // sluice swept everything itself and said so last: nothing to do.
  if (clean) return 0;
  // Its own start precedes every step of the sluice that started it. No wall-clock
  // prefilter: this sweep is the rare one, after sluice died.
  sweep_processes(SweepTarget{sessions, {}, token + ".", process_start_time(::getpid()), {}});
  return 0;
}

}  // namespace sluice::exec
