#include "deploy/hook_runner.h"

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <set>

#include "exec/child_process.h"

extern char** environ;

namespace sluice::deploy {

std::string HookOutcome::describe() const {
  if (!error.empty()) return error;
  if (timed_out) return "timed out";
  return "exit " + std::to_string(exit_code);
}

namespace {

constexpr size_t kKeptOutput = 64 * 1024;

std::vector<std::string> merged_environment(const std::map<std::string, std::string>& extra) {
  std::vector<std::string> env;
  for (char** e = environ; e && *e; ++e) {
    std::string entry(*e);
    std::string name = entry.substr(0, entry.find('='));
    if (!extra.count(name)) env.push_back(std::move(entry));
  }
  for (const auto& [name, value] : extra) env.push_back(name + "=" + value);
  return env;
}

std::vector<std::string> command_line(const HookScript& script) {
  std::vector<std::string> args;
  if (!script.runas.empty()) args = {"runuser", "-u", script.runas, "--"};
  args.push_back("bash");
  if (script.is_file)
    args.push_back(script.command);
  else
    args.insert(args.end(), {"-c", script.command});
  return args;
}

void emit_lines(std::string& pending, const std::function<void(const std::string&)>& on_line,
                bool flush_all) {
  size_t start = 0;
  for (size_t nl; (nl = pending.find('\n', start)) != std::string::npos; start = nl + 1)
    if (on_line) on_line(pending.substr(start, nl - start));
  pending.erase(0, start);
  if (flush_all && !pending.empty()) {
    if (on_line) on_line(pending);
    pending.clear();
  }
}

}  // namespace

HookOutcome ProcessHookRunner::run(const HookCall& call,
                                   const std::function<void(const std::string&)>& on_line) {
  HookOutcome outcome;
  if (!call.script.runas.empty() && ::geteuid() != 0) {
    outcome.error = "runas " + call.script.runas + " needs sluice to run as root";
    return outcome;
  }
  std::vector<std::string> args = command_line(call.script);
  auto child = exec::spawn_child(args[0] == "bash" ? "/bin/bash" : "/usr/sbin/runuser", args,
                                 merged_environment(call.env), call.working_directory);
  if (!child) {
    outcome.error = child.error().message;
    return outcome;
  }
  auto deadline = std::chrono::steady_clock::now() + call.script.timeout;
  std::string pending;
  bool open = true;
  bool exited = false;
  while (open || !exited) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      outcome.timed_out = true;
      ::kill(-child->pid, SIGKILL);
      break;
    }
    // A closed pipe reports POLLHUP on every poll: it leaves the set (fd -1) once read to
    // its end, or the loop would spin until the pidfd says the script has exited.
    pollfd fds[2] = {{open ? child->output_fd : -1, POLLIN, 0}, {child->pidfd, POLLIN, 0}};
    int n = ::poll(fds, 2, static_cast<int>(std::min<int64_t>(left.count(), 1000)));
    if (n < 0 && errno != EINTR) break;
    if (open && (fds[0].revents & (POLLIN | POLLHUP))) {
      char buf[4096];
      ssize_t got = ::read(child->output_fd, buf, sizeof buf);
      if (got > 0) {
        pending.append(buf, static_cast<size_t>(got));
        outcome.output.append(buf, static_cast<size_t>(got));
        if (outcome.output.size() > 2 * kKeptOutput)
          outcome.output.erase(0, outcome.output.size() - kKeptOutput);
        emit_lines(pending, on_line, false);
      } else if (got == 0 || (errno != EAGAIN && errno != EINTR)) {
        open = false;
      }
    }
    // The script's own background children may keep the pipe open after it exits: the
    // hook is over when the script is, once the pipe has nothing more to read right now.
    if (fds[1].revents & POLLIN) exited = true;
    if (exited && open && !(fds[0].revents & POLLIN)) break;
  }
  emit_lines(pending, on_line, true);
  if (outcome.output.size() > kKeptOutput)
    outcome.output.erase(0, outcome.output.size() - kKeptOutput);
  int status = 0;
  ::waitpid(child->pid, &status, 0);
  ::close(child->output_fd);
  ::close(child->pidfd);
  if (!outcome.timed_out)
    outcome.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return outcome;
}

}  // namespace sluice::deploy
