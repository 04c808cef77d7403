#include "exec/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

extern char** environ;

namespace sluice::exec {
namespace {

std::vector<char*> c_strings(const std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (const std::string& s : strings) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

// RAII for the posix_spawn attribute objects.
struct SpawnSetup {
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  SpawnSetup() {
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attr);
  }
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
  }
};

}  // namespace

Result<ChildProcess> spawn_child(const std::string& executable,
                                 const std::vector<std::string>& args,
                                 const std::vector<std::string>& env,
                                 const std::string& working_directory) {
  if (!working_directory.empty()) {
    struct stat st {};
    if (::stat(working_directory.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
      return Error{"working directory '" + working_directory + "' does not exist", {}};
    }
  }
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    return Error{std::string("cannot create a pipe: ") + std::strerror(errno), {}};
  }

  SpawnSetup setup;
  posix_spawn_file_actions_addopen(&setup.actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&setup.actions, pipe_fds[1], 1);
  posix_spawn_file_actions_adddup2(&setup.actions, pipe_fds[1], 2);
  // Nothing else: a descriptor this process holds without CLOEXEC (Boost.Asio accepts
  // connections without it) would live on in the child and in what it leaves running
  // (Podman's conmon, for as long as its container), and a client of the relay reading a
  // reply to EOF would wait that long, its connection closed by sluice but not by them.
  posix_spawn_file_actions_addclosefrom_np(&setup.actions, 3);
  if (!working_directory.empty()) {
    posix_spawn_file_actions_addchdir_np(&setup.actions, working_directory.c_str());
  }
  sigset_t none;
  sigemptyset(&none);
  // glibc resets caught signals in the child already; these are the ones a server commonly
  // ignores and that a step must see with default behaviour (ignored dispositions survive
  // exec).
  sigset_t defaults;
  sigemptyset(&defaults);
  for (int sig : {SIGPIPE, SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGCHLD, SIGUSR1, SIGUSR2, SIGALRM,
                  SIGTTIN, SIGTTOU, SIGTSTP, SIGXFSZ}) {
    sigaddset(&defaults, sig);
  }
  posix_spawnattr_setsigmask(&setup.attr, &none);
  posix_spawnattr_setsigdefault(&setup.attr, &defaults);
  // A session of its own (and so a process group): the group is killed in one call, and the
  // session id marks whatever a step starts even when it changes its process group.
  posix_spawnattr_setflags(&setup.attr,
                           POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  std::vector<char*> argv = c_strings(args);
  std::vector<char*> envp = c_strings(env);
  pid_t pid = -1;
  int rc = ::posix_spawn(&pid, executable.c_str(), &setup.actions, &setup.attr, argv.data(),
                         envp.data());
  ::close(pipe_fds[1]);
  if (rc != 0) {
    ::close(pipe_fds[0]);
    return Error{"cannot start " + executable + ": " + std::strerror(rc), {}};
  }

  int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (pidfd < 0) {
    int err = errno;
    ::kill(-pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    ::close(pipe_fds[0]);
    return Error{
        std::string("pidfd_open failed (Linux 5.3 or later is required): ") + std::strerror(err),
        {}};
  }
  ::fcntl(pidfd, F_SETFD, FD_CLOEXEC);
  ::fcntl(pipe_fds[0], F_SETFL, ::fcntl(pipe_fds[0], F_GETFL) | O_NONBLOCK);
  return ChildProcess{pid, pidfd, pipe_fds[0]};
}

std::map<std::string, std::string> process_environment() {
  std::map<std::string, std::string> env;
  for (char** e = environ; *e; ++e) {
    std::string kv = *e;
    size_t eq = kv.find('=');
    if (eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  return env;
}

}  // namespace sluice::exec
