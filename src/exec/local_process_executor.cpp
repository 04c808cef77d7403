#include "exec/local_process_executor.h"

#include <fcntl.h>
#include <re2/re2.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

#include "exec/child_process.h"
#include "exec/file_commands.h"
#include "exec/shell_command.h"
#include "exec/step_files.h"
#include "exec/workflow_commands.h"

namespace sluice::exec {

using Clock = std::chrono::steady_clock;

namespace {

// Ids are unique in the process, so several executors can share one step_files_dir.
std::atomic<engine::ExecutionId> g_next_id{1};

constexpr size_t kReadBuffer = 256 * 1024;
// A pipe that fills up is grown to this size so a chatty step is not throttled by 64 KiB
// round trips. Only then: every pipe counts against the per-user pipe-buffer quota.
constexpr int kLargePipe = 1024 * 1024;
constexpr int kReadsPerWakeup = 8;  // bounds one step's share of a loop iteration

// GITHUB_OUTPUT, SLUICE_ENV, ...: set by the executor, whatever the request says.
bool is_command_file_variable(std::string_view key) {
  std::string_view name;
  if (key.starts_with("GITHUB_"))
    name = key.substr(7);
  else if (key.starts_with("SLUICE_"))
    name = key.substr(7);
  else
    return false;
  for (CommandFile file : kCommandFiles)
    if (name == variable_suffix(file)) return true;
  return false;
}

bool is_directory(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool env_is(const std::map<std::string, std::string>& env, const char* key, const char* value) {
  auto it = env.find(key);
  return it != env.end() && strcasecmp(it->second.c_str(), value) == 0;
}

}  // namespace

struct LocalProcessExecutor::Execution {
  engine::ExecutionId id = 0;
  ChildProcess child;
  std::function<void(engine::StepOutcome)> on_done;
  std::unique_ptr<re2::RE2> pattern;  // outlives processor, which points at it
  std::unique_ptr<WorkflowCommandProcessor> processor;
  std::optional<StepFiles> files;  // removed (with the directory) once read

  std::string partial;       // an incomplete line carried over between reads
  bool in_fragment = false;  // part of the current line was already emitted (over-long)
  bool pipe_grown = false;

  bool exited = false;
  int wait_status = 0;
  bool cancelled = false;
  std::optional<Clock::time_point> kill_at;
};

namespace {

using Execution = LocalProcessExecutor::Execution;

// A process group left behind by a finished step that still holds the output pipe.
struct Lingering {
  pid_t pgid;
  int fd;
};

void emit_line(Execution& e, std::string_view line) {
  e.processor->process_line(line);
}

void end_line(Execution& e) {
  if (e.in_fragment) {
    e.processor->end_fragments(e.partial);
  } else {
    emit_line(e, e.partial);
  }
  e.partial.clear();
  e.in_fragment = false;
}

// Appends to the carried line, emitting max_line-sized fragments as it overflows, so memory
// per execution stays bounded whatever a step prints.
void append_partial(Execution& e, std::string_view data, size_t max_line) {
  while (e.partial.size() + data.size() > max_line) {
    size_t take = max_line - e.partial.size();
    e.partial.append(data.substr(0, take));
    e.processor->process_fragment(e.partial);
    e.partial.clear();
    e.in_fragment = true;
    data.remove_prefix(take);
  }
  e.partial.append(data);
}

void feed(Execution& e, std::string_view data, size_t max_line) {
  while (!data.empty()) {
    const void* found = std::memchr(data.data(), '\n', data.size());
    if (found == nullptr) {
      append_partial(e, data, max_line);
      return;
    }
    size_t len = static_cast<size_t>(static_cast<const char*>(found) - data.data());
    std::string_view line = data.substr(0, len);
    if (e.partial.empty() && !e.in_fragment && len <= max_line) {
      emit_line(e, line);  // the common case: no copy
    } else {
      append_partial(e, line, max_line);
      end_line(e);
    }
    data.remove_prefix(len + 1);
  }
}

// Unregisters before closing: once closed, the fd number may be reused at once by another
// thread's pipe or pidfd, and a late EPOLL_CTL_DEL would unregister that one instead.
void close_output(Execution& e, int epoll_fd) {
  if (e.child.output_fd >= 0) {
    ::epoll_ctl(epoll_fd, EPOLL_CTL_DEL, e.child.output_fd, nullptr);
    ::close(e.child.output_fd);
  }
  e.child.output_fd = -1;
  if (!e.partial.empty() || e.in_fragment) end_line(e);
}

// Reads what the pipe has now. `limit` bounds the bytes taken (the final drain after exit
// reads only what was already written, so a background writer cannot keep us here).
void read_output(Execution& e, int epoll_fd, char* buffer, size_t max_line, int max_reads,
                 size_t limit) {
  for (int i = 0; i < max_reads && limit > 0 && e.child.output_fd >= 0; ++i) {
    ssize_t n = ::read(e.child.output_fd, buffer, std::min(kReadBuffer, limit));
    if (n > 0) {
      limit -= static_cast<size_t>(n);
      if (!e.pipe_grown && n >= 65536) {
        ::fcntl(e.child.output_fd, F_SETPIPE_SZ, kLargePipe);
        e.pipe_grown = true;
      }
      feed(e, std::string_view(buffer, static_cast<size_t>(n)), max_line);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;
    close_output(e, epoll_fd);  // EOF (n == 0) or a read error
  }
}

engine::StepOutcome make_outcome(Execution& e) {
  engine::StepOutcome out;
  out.started = true;
  out.cancelled = e.cancelled;
  if (WIFEXITED(e.wait_status)) out.exit_code = WEXITSTATUS(e.wait_status);
  if (WIFSIGNALED(e.wait_status)) out.signal = WTERMSIG(e.wait_status);
  WorkflowCommandProcessor& p = *e.processor;
  out.log_pattern_matched = p.log_pattern_matched();
  out.annotations = std::move(p.annotations());
  out.outputs = std::move(p.outputs());
  out.state = std::move(p.state());

  std::vector<std::string> errors;
  std::string content;
  auto read = [&](CommandFile file, size_t max) {
    std::string label = std::string("$GITHUB_") + variable_suffix(file);
    std::string error = read_file_limited(e.files->path(file), max, label, content);
    if (!error.empty()) errors.push_back(std::move(error));
    return label;
  };
  for (CommandFile file : {CommandFile::kOutput, CommandFile::kEnv, CommandFile::kState}) {
    std::string label = read(file, kMaxCommandFileBytes);
    auto& into = file == CommandFile::kOutput ? out.outputs
                 : file == CommandFile::kEnv  ? out.env
                                              : out.state;
    std::string error = parse_key_value_file(content, label, into);
    if (!error.empty()) errors.push_back(std::move(error));
  }
  read(CommandFile::kPath, kMaxCommandFileBytes);
  out.path = parse_path_file(content);
  read(CommandFile::kStepSummary, kMaxSummaryBytes);
  out.summary = std::move(content);

  for (std::string& error : errors) {
    if (!out.error_message.empty()) out.error_message += "; ";
    out.error_message += std::move(error);
  }
  // Read: the secrets they may hold go now, and a run of thousands of steps does not pile
  // up files in (memory-backed) tmpfs.
  e.files->remove();
  return out;
}

}  // namespace

// Event tags: data.u64 of each epoll registration is (key << 2) | kind, where key is the
// execution id (output, exit) or the fd (lingering).
namespace {
enum Tag : uint64_t { kWakeTag = 0, kOutputTag = 1, kExitTag = 2, kLingeringTag = 3 };
uint64_t tag(uint64_t key, Tag kind) {
  return (key << 2) | kind;
}
}  // namespace

LocalProcessExecutor::LocalProcessExecutor() : LocalProcessExecutor(Options{}) {}

LocalProcessExecutor::LocalProcessExecutor(Options options) : options_(options) {
  if (options_.max_line_bytes == 0) options_.max_line_bytes = 1;
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  watch(wake_fd_, kWakeTag);
  io_thread_ = std::thread([this] { run_io_loop(); });
}

LocalProcessExecutor::~LocalProcessExecutor() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake();
  io_thread_.join();
  ::close(epoll_fd_);
  ::close(wake_fd_);
}

void LocalProcessExecutor::wake() {
  uint64_t one = 1;
  ssize_t n = ::write(wake_fd_, &one, sizeof one);
  (void)n;  // EAGAIN means a wake-up is already pending
}

engine::ExecutionId LocalProcessExecutor::start(engine::StepRequest request,
                                                std::function<void(engine::StepOutcome)> on_done) {
  engine::ExecutionId id = g_next_id.fetch_add(1);
  auto e = std::make_unique<Execution>();
  e->id = id;
  auto fail = [&](std::string message) {
    e.reset();  // removes the step's files (and the secrets in them) before reporting
    engine::StepOutcome outcome;
    outcome.error_message = std::move(message);
    on_done(std::move(outcome));
    return id;
  };
  if (request.step_files_dir.empty()) return fail("internal error: the step has no step_files_dir");
  if (!request.working_directory.empty() && !is_directory(request.working_directory)) {
    std::string where = request.working_directory_pos.to_string();
    return fail((where.empty() ? "" : where + ": ") + "working-directory '" +
                request.working_directory + "' does not exist");
  }
  auto path_it = request.env.find("PATH");
  std::string_view path_env;
  if (path_it != request.env.end()) path_env = path_it->second;

  Result<StepFiles> files = StepFiles::create(request.step_files_dir, id);
  if (!files.ok()) return fail(files.error().message);
  e->files = std::move(*files);
  ShellCommand command;
  if (request.kind == engine::StepRequest::Kind::kNode) {
    Result<ShellCommand> node = resolve_node(request.script_path, path_env);
    if (!node.ok()) return fail(node.error().message);
    command = std::move(*node);
  } else {
    Result<ShellSpec> shell = resolve_shell(request.shell, path_env);
    if (!shell.ok()) return fail(shell.error().message);
    Result<std::string> script = e->files->write_script(shell->extension, shell->script_prefix,
                                                        request.script, shell->script_suffix);
    if (!script.ok()) return fail(script.error().message);
    command = shell->command_for(*script);
  }

  if (!request.log_pattern.empty()) {
    RE2::Options re_options;
    re_options.set_log_errors(false);
    e->pattern = std::make_unique<re2::RE2>(request.log_pattern, re_options);
    if (!e->pattern->ok()) {
      return fail("invalid log-pattern regular expression '" + request.log_pattern +
                  "': " + e->pattern->error());
    }
  }

  std::vector<std::string> env;
  env.reserve(request.env.size() + 2 * kCommandFiles.size());
  for (CommandFile file : kCommandFiles) {
    const std::string& path = e->files->path(file);
    env.push_back(std::string("GITHUB_") + variable_suffix(file) + "=" + path);
    env.push_back(std::string("SLUICE_") + variable_suffix(file) + "=" + path);
  }
  for (const auto& [key, value] : request.env) {
    if (!is_command_file_variable(key)) env.push_back(key + "=" + value);
  }

  bool debug =
      env_is(request.env, "ACTIONS_STEP_DEBUG", "true") || env_is(request.env, "RUNNER_DEBUG", "1");
  e->processor = std::make_unique<WorkflowCommandProcessor>(request.masker, request.log,
                                                            e->pattern.get(), debug);
  Result<ChildProcess> child =
      spawn_child(command.executable, command.args, env, request.working_directory);
  if (!child.ok()) return fail(child.error().message);
  e->child = *child;
  // No wake-up: the I/O thread adopts the execution when its first event arrives. The
  // lock is held from registration to hand-over, so an event that arrives in between
  // makes the I/O thread wait for the hand-over rather than miss the execution.
  ChildProcess c = e->child;
  std::unique_lock lock(mutex_);
  if (!watch(c.output_fd, tag(static_cast<uint64_t>(id), kOutputTag)) ||
      !watch(c.pidfd, tag(static_cast<uint64_t>(id), kExitTag))) {
    int err = errno;
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, c.output_fd, nullptr);
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, c.pidfd, nullptr);
    lock.unlock();
    ::kill(-c.pid, SIGKILL);
    ::waitpid(c.pid, nullptr, 0);
    ::close(c.output_fd);
    ::close(c.pidfd);
    return fail(std::string("cannot watch the step's process: ") + std::strerror(err));
  }
  e->on_done = std::move(on_done);
  pending_.push_back(std::move(e));
  return id;
}

void LocalProcessExecutor::cancel(engine::ExecutionId id) {
  {
    std::lock_guard lock(mutex_);
    pending_cancels_.push_back(id);
  }
  wake();
}

bool LocalProcessExecutor::watch(int fd, uint64_t data) {
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.u64 = data;
  return ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event) == 0;
}

void LocalProcessExecutor::run_io_loop() {
  std::unique_ptr<char[]> buffer(new char[kReadBuffer]);
  const size_t max_line = options_.max_line_bytes;
  std::unordered_map<engine::ExecutionId, std::unique_ptr<Execution>> running;
  std::unordered_map<int, pid_t> lingering;  // fd -> process group
  std::vector<Execution*> exited;
  std::array<epoll_event, 64> events;
  bool shutdown_done = false;

  auto forget_fd = [this](int fd) {
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
    ::close(fd);
  };
  auto adopt = [&](bool& stopping, std::vector<engine::ExecutionId>& cancels) {
    std::vector<std::unique_ptr<Execution>> adopted;
    {
      std::lock_guard lock(mutex_);
      adopted.swap(pending_);
      cancels.swap(pending_cancels_);
      stopping = stopping_;
    }
    for (auto& e : adopted) running.emplace(e->id, std::move(e));
  };

  for (;;) {
    bool stopping = false;
    std::vector<engine::ExecutionId> cancels;
    adopt(stopping, cancels);
    for (engine::ExecutionId id : cancels) {
      auto it = running.find(id);
      if (it == running.end() || it->second->cancelled || it->second->exited) continue;
      Execution& e = *it->second;
      e.cancelled = true;
      ::kill(-e.child.pid, SIGTERM);
      e.kill_at = Clock::now() + options_.kill_grace;
    }
    if (stopping && !shutdown_done) {
      for (auto& [id, e] : running) {
        e->cancelled = true;
        ::kill(-e->child.pid, SIGKILL);
      }
      for (auto [fd, pgid] : lingering) {
        ::kill(-pgid, SIGKILL);
        forget_fd(fd);
      }
      lingering.clear();
      shutdown_done = true;
    }
    if (stopping && running.empty()) break;

    std::optional<Clock::time_point> deadline;
    for (auto& [id, e] : running) {
      if (e->kill_at && (!deadline || *e->kill_at < *deadline)) deadline = e->kill_at;
    }
    int timeout = -1;
    if (deadline) {
      auto left = std::chrono::ceil<std::chrono::milliseconds>(*deadline - Clock::now());
      timeout = static_cast<int>(std::max<int64_t>(0, left.count()));
    }
    int ready = ::epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()), timeout);
    if (ready < 0 && errno != EINTR) break;  // cannot happen with a valid epoll fd

    // An event can name an execution that start() registered after our last adopt().
    auto find = [&](engine::ExecutionId id) -> Execution* {
      auto it = running.find(id);
      if (it == running.end()) {
        adopt(stopping, cancels);  // cancels picked up here are handled next iteration
        std::lock_guard lock(mutex_);
        pending_cancels_.insert(pending_cancels_.end(), cancels.begin(), cancels.end());
        cancels.clear();
        it = running.find(id);
      }
      return it == running.end() ? nullptr : it->second.get();
    };
    // Output before exits, so that lines are logged before the exit that follows them.
    for (int pass = 0; pass < 2; ++pass) {
      for (int k = 0; k < std::max(ready, 0); ++k) {
        uint64_t data = events[k].data.u64;
        Tag kind = static_cast<Tag>(data & 3);
        uint64_t key = data >> 2;
        if (kind == kWakeTag) {
          if (pass == 0) {
            uint64_t count;
            ssize_t n = ::read(wake_fd_, &count, sizeof count);
            (void)n;
          }
        } else if (kind == kLingeringTag) {
          if (pass != 0) continue;
          int fd = static_cast<int>(key);
          ssize_t n = ::read(fd, buffer.get(), kReadBuffer);
          if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
            lingering.erase(fd);
            forget_fd(fd);
          }
        } else if (kind == kOutputTag && pass == 0) {
          Execution* e = find(static_cast<engine::ExecutionId>(key));
          if (e == nullptr || e->child.output_fd < 0) continue;
          read_output(*e, epoll_fd_, buffer.get(), max_line, kReadsPerWakeup, SIZE_MAX);
        } else if (kind == kExitTag && pass == 1) {
          Execution* e = find(static_cast<engine::ExecutionId>(key));
          if (e == nullptr || e->exited) continue;
          if (::waitpid(e->child.pid, &e->wait_status, WNOHANG) != e->child.pid) continue;
          e->exited = true;
          exited.push_back(e);
        }
      }
    }

    Clock::time_point now = Clock::now();
    for (auto& [id, e] : running) {
      if (!e->exited && e->kill_at && *e->kill_at <= now) {
        ::kill(-e->child.pid, SIGKILL);
        e->kill_at.reset();
      }
    }

    for (Execution* e : exited) {
      forget_fd(e->child.pidfd);
      if (e->cancelled) ::kill(-e->child.pid, SIGKILL);
      if (e->child.output_fd >= 0) {
        int fd = e->child.output_fd;
        int available = 0;
        if (::ioctl(fd, FIONREAD, &available) == 0 && available > 0) {
          read_output(*e, epoll_fd_, buffer.get(), max_line, INT32_MAX,
                      static_cast<size_t>(available));
        }
        if (e->child.output_fd >= 0) {
          // Something in the group still holds the pipe: keep draining it, detached.
          epoll_event event{};
          event.events = EPOLLIN;
          event.data.u64 = tag(static_cast<uint64_t>(fd), kLingeringTag);
          ::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd, &event);
          lingering.emplace(fd, e->child.pid);
          e->child.output_fd = -1;
        }
      }
      close_output(*e, epoll_fd_);
      engine::StepOutcome outcome = make_outcome(*e);
      auto on_done = std::move(e->on_done);
      running.erase(e->id);
      on_done(std::move(outcome));
    }
    exited.clear();
  }
  for (auto [fd, pgid] : lingering) forget_fd(fd);
}

}  // namespace sluice::exec
