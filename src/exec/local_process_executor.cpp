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
#include "exec/process_sweep.h"
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
  out.env = std::move(p.env());  // applied during the step on GitHub: GITHUB_ENV wins
  out.path = std::move(p.path());

  std::vector<std::string> errors;
  if (!p.command_error().empty()) errors.push_back(p.command_error());
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
  for (std::string& dir : parse_path_file(content)) out.path.push_back(std::move(dir));
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

namespace {

std::shared_ptr<SharedOrphanReaper> reaper_for(const LocalProcessExecutor::Options& options) {
  if (options.shared_reaper) return options.shared_reaper;
  if (!options.orphan_reaper) return nullptr;
  auto reaper = SharedOrphanReaper::start();
  return reaper ? *reaper : nullptr;  // without one, only a SIGKILLed sluice leaves leftovers
}

}  // namespace

LocalProcessExecutor::LocalProcessExecutor(Options options)
    : options_(options), processes_(std::make_unique<JobProcesses>(reaper_for(options_))) {
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
  if (processes_->killed_all()) {  // after the second Ctrl-C nothing starts: as if killed at once
    engine::StepOutcome outcome;
    outcome.started = true;
    outcome.cancelled = true;
    outcome.signal = SIGKILL;
    on_done(std::move(outcome));
    return id;
  }
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
  env.reserve(request.env.size() + 2 * kCommandFiles.size() + 1);
  env.emplace_back();  // SLUICE_TRACKING_ID, set by processes_->spawn below
  for (CommandFile file : kCommandFiles) {
    const std::string& path = e->files->path(file);
    env.push_back(std::string("GITHUB_") + variable_suffix(file) + "=" + path);
    env.push_back(std::string("SLUICE_") + variable_suffix(file) + "=" + path);
  }
  for (const auto& [key, value] : request.env) {
    if (!is_command_file_variable(key) && key != kTrackingVariable)
      env.push_back(key + "=" + value);
  }

  bool debug =
      env_is(request.env, "ACTIONS_STEP_DEBUG", "true") || env_is(request.env, "RUNNER_DEBUG", "1");
  // Read from the step's env, which holds the inherited environment and the workflow's,
  // job's and step's `env` (GitHub reads the runner's environment and the env context).
  bool allow_unsecure = env_is(request.env, "ACTIONS_ALLOW_UNSECURE_COMMANDS", "true");
  e->processor = std::make_unique<WorkflowCommandProcessor>(
      request.masker, request.log, e->pattern.get(), debug, allow_unsecure);
  Result<ChildProcess> child =
      processes_->spawn(request.job_scope, [&](const std::string& tracking_id) {
        env[0] = std::string(kTrackingVariable) + "=" + tracking_id;
        return spawn_child(command.executable, command.args, env, request.working_directory);
      });
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

// The I/O thread's own state: only run_io_loop and the functions it calls touch it.
struct LocalProcessExecutor::IoState {
  std::unique_ptr<char[]> buffer{new char[kReadBuffer]};
  std::unordered_map<engine::ExecutionId, std::unique_ptr<Execution>> running;
  std::unordered_map<int, pid_t> lingering;  // output fd -> process group
  std::vector<Execution*> exited;            // seen to exit in this iteration
  std::vector<engine::ExecutionId> cancels;  // requested, not yet acted on
  bool stopping = false;
  bool kill_all = false;
  bool shutdown_done = false;
};

void LocalProcessExecutor::run_io_loop() {
  IoState io;
  std::array<epoll_event, 64> events;
  for (;;) {
    adopt(io);
    apply_cancels(io);
    if (io.stopping) {
      shut_down(io);
      if (io.running.empty()) break;
    }
    int ready = ::epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()),
                             wait_timeout_ms(io));
    if (ready < 0 && errno != EINTR) break;  // cannot happen with a valid epoll fd
    // Output before exits, so that lines are logged before the exit that follows them.
    for (int k = 0; k < ready; ++k) handle_output(io, events[k].data.u64);
    for (int k = 0; k < ready; ++k) handle_exit(io, events[k].data.u64);
    kill_overdue(io);
    for (Execution* e : io.exited) finish(io, *e);
    io.exited.clear();
  }
  for (auto [fd, pgid] : io.lingering) forget_fd(fd);
}

// Takes over what other threads handed over: new executions, cancels, stop requests.
void LocalProcessExecutor::adopt(IoState& io) {
  std::vector<std::unique_ptr<Execution>> adopted;
  {
    std::lock_guard lock(mutex_);
    adopted.swap(pending_);
    io.cancels.insert(io.cancels.end(), pending_cancels_.begin(), pending_cancels_.end());
    pending_cancels_.clear();
    io.stopping = stopping_;
    io.kill_all = kill_all_requested_;
  }
  for (auto& e : adopted) io.running.emplace(e->id, std::move(e));
}

// An execution an event names may have been registered by start() after the last adopt().
LocalProcessExecutor::Execution* LocalProcessExecutor::find(IoState& io, engine::ExecutionId id) {
  auto it = io.running.find(id);
  if (it == io.running.end()) {
    adopt(io);
    it = io.running.find(id);
  }
  return it == io.running.end() ? nullptr : it->second.get();
}

// cancel(): SIGTERM now, SIGKILL after the grace period. kill_all(): SIGKILL now.
void LocalProcessExecutor::apply_cancels(IoState& io) {
  for (engine::ExecutionId id : io.cancels) {
    auto it = io.running.find(id);
    if (it == io.running.end() || it->second->cancelled || it->second->exited) continue;
    Execution& e = *it->second;
    e.cancelled = true;
    ::kill(-e.child.pid, SIGTERM);
    e.kill_at = Clock::now() + options_.kill_grace;
  }
  io.cancels.clear();
  if (!io.kill_all) return;
  for (auto& [id, e] : io.running) {
    if (e->exited || (e->cancelled && !e->kill_at)) continue;
    e->cancelled = true;
    ::kill(-e->child.pid, SIGKILL);
    e->kill_at.reset();
  }
}

// Destruction: every running and lingering process group is killed, once.
void LocalProcessExecutor::shut_down(IoState& io) {
  if (io.shutdown_done) return;
  for (auto& [id, e] : io.running) {
    e->cancelled = true;
    ::kill(-e->child.pid, SIGKILL);
  }
  for (auto [fd, pgid] : io.lingering) {
    ::kill(-pgid, SIGKILL);
    forget_fd(fd);
  }
  io.lingering.clear();
  io.shutdown_done = true;
}

// Until the earliest SIGKILL deadline; -1 (block) when there is none.
int LocalProcessExecutor::wait_timeout_ms(const IoState& io) const {
  std::optional<Clock::time_point> deadline;
  for (auto& [id, e] : io.running)
    if (e->kill_at && (!deadline || *e->kill_at < *deadline)) deadline = e->kill_at;
  if (!deadline) return -1;
  auto left = std::chrono::ceil<std::chrono::milliseconds>(*deadline - Clock::now());
  return static_cast<int>(std::max<int64_t>(0, left.count()));
}

void LocalProcessExecutor::handle_output(IoState& io, uint64_t data) {
  Tag kind = static_cast<Tag>(data & 3);
  uint64_t key = data >> 2;
  if (kind == kWakeTag) {
    uint64_t count;
    ssize_t n = ::read(wake_fd_, &count, sizeof count);
    (void)n;
  } else if (kind == kLingeringTag) {
    // Read and dropped: a background writer must never block on a full pipe or get SIGPIPE.
    int fd = static_cast<int>(key);
    ssize_t n = ::read(fd, io.buffer.get(), kReadBuffer);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
      io.lingering.erase(fd);
      forget_fd(fd);
    }
  } else if (kind == kOutputTag) {
    Execution* e = find(io, static_cast<engine::ExecutionId>(key));
    if (e == nullptr || e->child.output_fd < 0) return;
    read_output(*e, epoll_fd_, io.buffer.get(), options_.max_line_bytes, kReadsPerWakeup, SIZE_MAX);
  }
}

void LocalProcessExecutor::handle_exit(IoState& io, uint64_t data) {
  if (static_cast<Tag>(data & 3) != kExitTag) return;
  Execution* e = find(io, static_cast<engine::ExecutionId>(data >> 2));
  if (e == nullptr || e->exited) return;
  if (::waitpid(e->child.pid, &e->wait_status, WNOHANG) != e->child.pid) return;
  e->exited = true;
  io.exited.push_back(e);
}

// The grace period of a cancel is over and the main process still runs: SIGKILL.
void LocalProcessExecutor::kill_overdue(IoState& io) {
  Clock::time_point now = Clock::now();
  for (auto& [id, e] : io.running) {
    if (!e->exited && e->kill_at && *e->kill_at <= now) {
      ::kill(-e->child.pid, SIGKILL);
      e->kill_at.reset();
    }
  }
}

// The main process has exited: take what is already in the pipe, hand the pipe over to
// the lingering set if something in the group still holds it, report the outcome.
void LocalProcessExecutor::finish(IoState& io, Execution& e) {
  forget_fd(e.child.pidfd);
  // kill_all() sends its SIGKILLs before the I/O thread hears of it.
  if (processes_->killed_all()) e.cancelled = true;
  if (e.cancelled) ::kill(-e.child.pid, SIGKILL);  // nothing of a cancelled step outlives it
  if (e.child.output_fd >= 0) {
    int fd = e.child.output_fd;
    int available = 0;
    if (::ioctl(fd, FIONREAD, &available) == 0 && available > 0) {
      read_output(e, epoll_fd_, io.buffer.get(), options_.max_line_bytes, INT32_MAX,
                  static_cast<size_t>(available));
    }
    if (e.child.output_fd >= 0) {
      epoll_event event{};
      event.events = EPOLLIN;
      event.data.u64 = tag(static_cast<uint64_t>(fd), kLingeringTag);
      ::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd, &event);
      io.lingering.emplace(fd, e.child.pid);
      e.child.output_fd = -1;
    }
  }
  close_output(e, epoll_fd_);
  engine::StepOutcome outcome = make_outcome(e);
  auto on_done = std::move(e.on_done);
  io.running.erase(e.id);  // destroys e
  on_done(std::move(outcome));
}

void LocalProcessExecutor::forget_fd(int fd) {
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
  ::close(fd);
}

void LocalProcessExecutor::end_job(const std::string& job_scope) {
  processes_->end_job(job_scope);
}

void LocalProcessExecutor::kill_all() {
  processes_->kill_all();
  {
    std::lock_guard lock(mutex_);
    kill_all_requested_ = true;
  }
  wake();
}

}  // namespace sluice::exec
