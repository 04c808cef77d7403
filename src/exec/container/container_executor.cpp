#include "exec/container/container_executor.h"

#include <openssl/evp.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>

#include "exec/container/container_cleanup.h"
#include "exec/container/container_scripts.h"
#include "exec/step_files.h"

namespace fs = std::filesystem;

namespace sluice::exec::container {
namespace {

using engine::StepRequest;

// Ids of steps that fail before reaching the inner executor: negative, never its ids.
std::atomic<engine::ExecutionId> g_next_own_id{-1};

// The tag of a Dockerfile action's image: the SHA-256 of every file under its directory
// (relative paths and contents, in path order), so a changed action builds again and an
// unchanged one is reused by every run.
Result<std::string> content_tag(const std::string& dir) {
  std::vector<fs::path> files;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    if (it->is_regular_file(ec)) files.push_back(it->path());
  }
  if (ec) return Error{"cannot read the action directory " + dir + ": " + ec.message(), {}};
  std::sort(files.begin(), files.end());
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
  for (const fs::path& file : files) {
    std::string name = fs::relative(file, dir).string();
    EVP_DigestUpdate(ctx.get(), name.data(), name.size() + 1);  // with its NUL: unambiguous
    std::ifstream in(file, std::ios::binary);
    char buffer[65536];
    while (in.read(buffer, sizeof buffer) || in.gcount() > 0)
      EVP_DigestUpdate(ctx.get(), buffer, static_cast<size_t>(in.gcount()));
    uint64_t size = fs::file_size(file, ec);
    EVP_DigestUpdate(ctx.get(), &size, sizeof size);
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(ctx.get(), digest, &length);
  static const char* hex = "0123456789abcdef";
  std::string tag = "localhost/sluice-action:";
  for (unsigned i = 0; i < 16 && i < length; ++i) {
    tag += hex[digest[i] >> 4];
    tag += hex[digest[i] & 15];
  }
  return tag;
}

// The names a process in a container gets: the step's own, and the command files that the
// inner executor adds.
std::vector<std::string> env_names(const std::map<std::string, std::string>& env) {
  std::vector<std::string> names;
  for (const auto& [k, v] : env)
    if (k != "PATH") names.push_back(k);
  for (CommandFile file : kCommandFiles) {
    names.push_back(std::string("GITHUB_") + variable_suffix(file));
    names.push_back(std::string("SLUICE_") + variable_suffix(file));
  }
  return names;
}

bool under_one_of(const std::string& path, const std::vector<std::string>& dirs) {
  for (const auto& d : dirs)
    if (path == d ||
        (path.size() > d.size() && path.compare(0, d.size(), d) == 0 && path[d.size()] == '/'))
      return true;
  return false;
}

std::string located(const SourcePos& pos, const std::string& message) {
  std::string where = pos.to_string();
  return where.empty() ? message : where + ": " + message;
}

}  // namespace

ContainerExecutor::ContainerExecutor(engine::Executor& inner, Options options)
    : inner_(inner), options_(std::move(options)) {}

ContainerExecutor::~ContainerExecutor() {
  std::set<std::string> left;
  {
    std::lock_guard lock(mutex_);
    left = dirty_scopes_;
  }
  for (const auto& scope : left) sweep(scope);
}

Result<ContainerEngine> ContainerExecutor::engine() {
  if (!engine_) {
    auto path = options_.host_env.find("PATH");
    engine_ = find_container_engine(options_.engine_choice,
                                    path == options_.host_env.end() ? "" : path->second);
  }
  return *engine_;
}

engine::ExecutionId ContainerExecutor::fail_now(
    const std::string& message, const std::function<void(engine::StepOutcome)>& on_done) {
  engine::StepOutcome outcome;
  outcome.error_message = message;
  on_done(std::move(outcome));
  return g_next_own_id.fetch_sub(1);
}

engine::ExecutionId ContainerExecutor::start(StepRequest request,
                                             std::function<void(engine::StepOutcome)> on_done) {
  const bool in_job_container =
      request.containers && request.containers->job &&
      (request.kind == StepRequest::Kind::kScript || request.kind == StepRequest::Kind::kNode);
  const bool needs_engine = in_job_container ||
                            request.kind == StepRequest::Kind::kContainersStart ||
                            request.kind == StepRequest::Kind::kContainersStop ||
                            request.kind == StepRequest::Kind::kDockerAction;
  if (!needs_engine) return inner_.start(std::move(request), std::move(on_done));
  auto found = engine();
  if (!found.ok()) {
    if (request.kind == StepRequest::Kind::kContainersStop) {  // nothing can have started
      engine::StepOutcome outcome;
      outcome.started = true;
      outcome.exit_code = 0;
      on_done(std::move(outcome));
      return g_next_own_id.fetch_sub(1);
    }
    SourcePos pos = request.kind == StepRequest::Kind::kDockerAction ? request.docker.pos
                    : request.containers && request.containers->job  ? request.containers->job->pos
                    : request.containers && !request.containers->services.empty()
                        ? request.containers->services.front().pos
                        : SourcePos{};
    std::string what = request.kind == StepRequest::Kind::kDockerAction
                           ? "this Docker action needs a container engine"
                           : "the job's containers need a container engine";
    return fail_now(located(pos, what + ": " + found.error().message), on_done);
  }
  CancelAction on_cancel;
  std::string handshake;
  auto rewritten = rewrite(std::move(request), *found, on_cancel, handshake);
  if (!rewritten.ok()) return fail_now(rewritten.error().located_message(), on_done);
  const std::string scope = rewritten->job_scope;
  const bool stopping = rewritten->kind == StepRequest::Kind::kContainersStop;
  const bool starting_job_container = rewritten->kind == StepRequest::Kind::kContainersStart &&
                                      rewritten->containers && rewritten->containers->job;
  {
    std::lock_guard lock(mutex_);
    if (!stopping) dirty_scopes_.insert(scope);
  }
  rewritten->kind = StepRequest::Kind::kScript;
  rewritten->shell = "bash";
  // Both fields guarded by mutex_: on_done may come before start() returns.
  struct Tracking {
    engine::ExecutionId id = 0;
    bool finished = false;
  };
  auto tracking = std::make_shared<Tracking>();
  std::shared_ptr<NetnsWatch> watch;
  if (!handshake.empty()) watch = watch_netns_handshake(scope, handshake);
  auto done = [this, stopping, starting_job_container, scope, tracking, watch,
               on_done = std::move(on_done)](engine::StepOutcome outcome) {
    if (watch) end_watch(scope, *watch);
    {
      std::lock_guard lock(mutex_);
      if (stopping && outcome.succeeded()) dirty_scopes_.erase(scope);
      tracking->finished = true;
      on_cancel_.erase(tracking->id);
    }
    if (starting_job_container && outcome.succeeded() && hooks_.started) {
      std::string netns = job_container_netns(scope);
      if (!netns.empty()) hooks_.started(scope, netns);
    }
    if (stopping && hooks_.removed) hooks_.removed(scope);
    on_done(std::move(outcome));
  };
  engine::ExecutionId id = inner_.start(std::move(*rewritten), std::move(done));
  std::lock_guard lock(mutex_);
  tracking->id = id;
  if (!on_cancel.engine_args.empty() && !tracking->finished) on_cancel_[id] = std::move(on_cancel);
  return id;
}

// The request as a bash step of the inner executor. Its environment: the step's variables
// (which the script passes into the container by name) over the engine's own.
Result<StepRequest> ContainerExecutor::rewrite(StepRequest request, const ContainerEngine& engine,
                                               CancelAction& on_cancel,
                                               std::string& netns_handshake) {
  ScriptTarget target{engine.program, engine.kind, names_for(request.job_scope, options_.data_dir),
                      labels_for(request.job_scope, options_.data_dir)};
  std::string path_prepend;
  if (auto it = request.env.find("PATH"); it != request.env.end()) {
    path_prepend = it->second;
    request.env.erase(it);
  }
  if (request.kind == StepRequest::Kind::kScript || request.kind == StepRequest::Kind::kNode) {
    std::string marker = target.names.prefix + "-exec-" + std::to_string(++container_steps_) + ".";
    request.env[kStepMarker] = marker;
    on_cancel.engine_args = kill_marked_args(target.names, marker);
    // The step-files directory is mounted at the same path in the job container.
    if (request.kind == StepRequest::Kind::kScript && !request.step_files_dir.empty())
      on_cancel.flag_file = request.step_files_dir + "/" + marker + "cancelled";
  }
  std::vector<std::string> names = env_names(request.env);
  static const engine::JobContainers kNone;
  const engine::JobContainers& job = request.containers ? *request.containers : kNone;
  switch (request.kind) {
    case StepRequest::Kind::kContainersStart: {
      auto script = start_script(target, job);
      if (!script.ok()) return script.error();
      request.script = std::move(*script);
      break;
    }
    case StepRequest::Kind::kContainersStop:
      request.script = stop_script(target, job);
      break;
    case StepRequest::Kind::kDockerAction: {
      const engine::DockerActionRequest& action = request.docker;
      DockerRun run;
      run.image = docker_image_of(action.image);
      if (run.image.empty()) {
        run.dockerfile = action.image;
        run.context_dir = fs::path(action.image).parent_path().string();
        auto tag = content_tag(run.context_dir);
        if (!tag.ok()) return tag.error();
        run.image = *tag;
      }
      run.container_name = target.names.prefix + "-step-" + std::to_string(++container_steps_);
      // In the job container's network namespace when there is one: its loopback has the
      // runtime services (JobContainerHooks) and its network the services by name. With no
      // container network, the host's: the runtime services on 127.0.0.1, as for the job's
      // native steps.
      run.network = job.job                 ? "container:" + target.names.job
                    : !job.services.empty() ? target.names.network
                                            : "host";
      if (!job.job)
        for (const auto& service : job.services) run.service_hosts.push_back(service.service_id);
      // A native job's network has no container of the job in whose namespace the runtime
      // services could answer: with Podman, they answer in the action's own (init, then
      // start), through a hand-shake file (NetnsWatch).
      if (!job.job && !job.services.empty() && engine.kind == EngineKind::kPodman &&
          hooks_.started && !request.step_files_dir.empty())
        run.netns_handshake = request.step_files_dir + "/" + run.container_name + ".netns";
      run.env_names = names;
      on_cancel.engine_args = remove_args(engine.kind, {run.container_name});
      netns_handshake = run.netns_handshake;
      request.script = docker_action_script(target, action, run);
      break;
    }
    default: {  // a step in the job container
      ExecStep step;
      step.working_dir = request.working_directory;
      step.env_names = names;
      step.path_prepend = path_prepend;
      step.cancel_flag = on_cancel.flag_file;
      if (request.kind == StepRequest::Kind::kNode) {
        if (!under_one_of(request.script_path, job.mounts))
          return Error{"JavaScript action " + request.script_path +
                           " cannot run in the job container: only actions inside the "
                           "workspace are mounted there",
                       {}};
        step.shell_command = {"node", request.script_path};
      } else {
        auto command = container_shell_command(request.shell, kScriptPlaceholder);
        if (!command.ok()) return command.error();
        step.shell_command = std::move(*command);
        step.script = request.script;
        if (request.shell == "pwsh" || request.shell == "powershell") {
          step.script_extension = ".ps1";
          step.script = "$ErrorActionPreference = 'stop'\n" + step.script +
                        "\nif ((Test-Path -LiteralPath variable:\\LASTEXITCODE)) { exit "
                        "$LASTEXITCODE }\n";
        }
      }
      request.script = exec_script(target, step);
    }
  }
  for (const auto& [k, v] : options_.host_env) request.env.emplace(k, v);  // the step's win
  return request;
}

void ContainerExecutor::cancel(engine::ExecutionId id) {
  if (id < 0) return;
  // Taken before the inner cancel: the step's end (on the inner I/O thread, maybe at once
  // once its client is killed) erases the entry, and its processes in the container would
  // live on.
  CancelAction action;
  {
    std::lock_guard lock(mutex_);
    auto it = on_cancel_.find(id);
    if (it != on_cancel_.end()) action = it->second;
  }
  if (!action.flag_file.empty()) std::ofstream{action.flag_file};
  inner_.cancel(id);
  auto found = engine();
  if (!action.engine_args.empty() && found.ok()) (void)run_engine(*found, action.engine_args);
}

void ContainerExecutor::end_job(const std::string& job_scope) {
  inner_.end_job(job_scope);
  bool dirty;
  {
    std::lock_guard lock(mutex_);
    dirty = dirty_scopes_.erase(job_scope) > 0;
  }
  if (dirty) sweep(job_scope);
  if (dirty && hooks_.removed) hooks_.removed(job_scope);
}

std::string ContainerExecutor::job_container_netns(const std::string& job_scope) {
  auto found = engine();
  if (!found.ok()) return "";
  auto pid = run_engine(*found, {"inspect", "--format", "{{.State.Pid}}",
                                 names_for(job_scope, options_.data_dir).job});
  if (!pid.ok()) return "";
  std::string digits = *pid;
  while (!digits.empty() && (digits.back() == '\n' || digits.back() == ' ')) digits.pop_back();
  if (digits.empty() || digits == "0" ||
      digits.find_first_not_of("0123456789") != std::string::npos)
    return "";
  return "/proc/" + digits + "/ns/net";
}

// Polls for the hand-shake file (a Docker action's script writes its container's PID there
// once `init` made its namespaces), has the runtime services answer in that network
// namespace, then writes "<file>.ready" (also when that failed: the action runs on, with a
// warning from the hook) so that the script starts the container.
std::shared_ptr<ContainerExecutor::NetnsWatch> ContainerExecutor::watch_netns_handshake(
    const std::string& scope, const std::string& file) {
  auto watch = std::make_shared<NetnsWatch>();
  watch->thread = std::thread([this, scope, file, w = watch.get()] {
    while (!w->stop.load()) {
      std::ifstream in(file);
      std::string pid;
      if (in >> pid) {
        if (!pid.empty() && pid != "0" &&
            pid.find_first_not_of("0123456789") == std::string::npos) {
          hooks_.started(scope, "/proc/" + pid + "/ns/net");
          w->listening = true;
        }
        std::ofstream{file + ".ready"};
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  return watch;
}

void ContainerExecutor::end_watch(const std::string& scope, NetnsWatch& watch) {
  watch.stop = true;
  if (watch.thread.joinable()) watch.thread.join();
  if (watch.listening && hooks_.removed) hooks_.removed(scope);
}

void ContainerExecutor::kill_all() {
  inner_.kill_all();
}

void ContainerExecutor::sweep(const std::string& job_scope) {
  auto found = engine();
  if (!found.ok()) return;
  (void)remove_labelled(*found, labels_for(job_scope, options_.data_dir).job_filters());
}

}  // namespace sluice::exec::container
