#include "core/git_command.h"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

extern char** environ;

namespace sluice {
namespace {

// git's output for the commands we run is small (ls-remote of a few refs, fetch progress):
// cap what is kept so that a hostile server's chatter cannot exhaust memory.
constexpr size_t kMaxCaptured = 1 << 20;

void close_pair(int fds[2]) {
  for (int i = 0; i < 2; ++i)
    if (fds[i] >= 0) ::close(fds[i]);
}

}  // namespace

Result<GitOutput> run_git(const std::vector<std::string>& args) {
  int out_pipe[2] = {-1, -1};
  int err_pipe[2] = {-1, -1};
  if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0) {
    close_pair(out_pipe);
    return Error{std::string("cannot run git: pipe: ") + std::strerror(errno), {}};
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], STDERR_FILENO);

  std::vector<std::string> env_storage;
  for (char** e = environ; e && *e; ++e) {
    std::string_view entry(*e);
    // Never ask for credentials on a terminal: a missing repository must fail, not hang.
    if (entry.starts_with("GIT_TERMINAL_PROMPT=") || entry.starts_with("GIT_ASKPASS=") ||
        entry.starts_with("SSH_ASKPASS="))
      continue;
    env_storage.emplace_back(entry);
  }
  env_storage.emplace_back("GIT_TERMINAL_PROMPT=0");
  env_storage.emplace_back("GIT_ASKPASS=true");
  std::vector<char*> envp;
  for (auto& e : env_storage) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_storage{"git"};
  argv_storage.insert(argv_storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_storage) argv.push_back(a.data());
  argv.push_back(nullptr);

  pid_t pid = -1;
  int spawned = posix_spawnp(&pid, "git", &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  if (spawned != 0) {
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    return Error{std::string("cannot run git: ") + std::strerror(spawned) +
                     " (install git: sluice fetches actions and polls repositories with it)",
                 {}};
  }
  GitOutput output;
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string* sinks[2] = {&output.out, &output.err};
  int open_fds = 2;
  char buffer[16384];
  while (open_fds > 0) {
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      ssize_t n = ::read(fds[i].fd, buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
        continue;
      }
      if (sinks[i]->size() < kMaxCaptured)
        sinks[i]->append(buffer, std::min(static_cast<size_t>(n), kMaxCaptured - sinks[i]->size()));
    }
  }
  for (auto& f : fds)
    if (f.fd >= 0) ::close(f.fd);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  output.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return output;
}

std::string git_error_line(const GitOutput& output) {
  std::string last;
  std::string first_fatal;
  size_t start = 0;
  while (start < output.err.size()) {
    size_t end = output.err.find('\n', start);
    if (end == std::string::npos) end = output.err.size();
    std::string line = output.err.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) last = line;
    if (first_fatal.empty() && line.starts_with("fatal: ")) first_fatal = line;
    start = end + 1;
  }
  if (!first_fatal.empty()) return first_fatal;
  return last.empty() ? "git exited with code " + std::to_string(output.exit_code) : last;
}

}  // namespace sluice
