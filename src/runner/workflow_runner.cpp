#include "runner/workflow_runner.h"

#include <unistd.h>

#include <atomic>
#include <fstream>
#include <ostream>
#include <thread>

#include "actions/local_action_resolver.h"
#include "core/json.h"
#include "deploy/reviewers.h"
#include "deploy/run_deployments.h"
#include "engine/engine.h"
#include "engine/masking_sinks.h"
#include "engine/scalar_value.h"
#include "engine/step_environment.h"
#include "exec/child_process.h"
#include "exec/container/container_cleanup.h"
#include "exec/container/container_executor.h"
#include "exec/local_process_executor.h"
#include "exec/step_files.h"
#include "runner/runtime_services.h"
#include "runner/workflow_lock.h"
#include "runner/workflow_set.h"
#include "store/log_paths.h"
#include "store/run_recovery.h"

namespace sluice::runner {

namespace fs = std::filesystem;

namespace {

// The record a run starts from: what `sluice show` prints and `sluice rerun` repeats.
engine::RunRecord initial_record(const WorkflowRun& r, const engine::RunOptions& o,
                                 const std::string& owner) {
  engine::RunRecord run;
  run.workflow_file = r.workflow->file;
  run.workflow_name = r.workflow->display_name();
  run.event = r.event.name;
  run.ref = r.event.ref;
  run.sha = r.event.sha;
  run.inputs_json = to_json(r.inputs);  // masked by MaskingStore, like every run text
  run.owner = owner;
  run.workspace = o.workspace;
  run.job_filter = r.job;
  if (!r.vars.as_object().empty()) run.vars_json = to_json(r.vars);
  run.rerun_of = r.rerun_of;
  return run;
}

struct Streams {
  std::ostream& out;
  std::ostream& err;
};

// Waits for the workflow's concurrency group. Returns false when the run must not start
// (the error or the cancelled pending run is recorded and printed), with `outcome` set.
// `group` is set to the group taken (to release), "" when there is none.
bool wait_for_group(const spec::Workflow& workflow, const expr::EvalContext& ctx,
                    const fs::path& data_dir, engine::Store& store, engine::RunRecord& run,
                    int64_t now_ms, const RunHooks& hooks, Streams io, WorkflowLock& lock,
                    WorkflowOutcome& outcome, std::string& group) {
  if (!workflow.concurrency) return true;
  auto evaluated = expr::evaluate_string(workflow.concurrency->group.text, ctx);
  bool cancel_in_progress = false;
  if (workflow.concurrency->cancel_in_progress) {
    auto v = engine::evaluate_scalar(workflow.concurrency->cancel_in_progress->text, ctx);
    cancel_in_progress = v.ok() && v->truthy();
  }
  std::string name = evaluated.ok() ? evaluated->to_string() : workflow.concurrency->group.text;
  bool acquired = false;
  if (hooks.acquire_group) {
    acquired = hooks.acquire_group(name, cancel_in_progress, workflow.concurrency->queue_all);
  } else {
    static const std::atomic<int> kNever{0};
    std::string error;
    switch (lock.acquire(data_dir.string(), name, cancel_in_progress,
                         workflow.concurrency->queue_all,
                         hooks.interrupts ? *hooks.interrupts : kNever, io.out, error)) {
      case WorkflowLock::Outcome::kAcquired:
        acquired = true;
        break;
      case WorkflowLock::Outcome::kFailed:
        io.err << "sluice run: " << error << "\n";
        outcome = {engine::RunStatus::kFailure};
        return false;
      case WorkflowLock::Outcome::kCancelled:
        break;
    }
  }
  if (acquired) {
    group = name;
    return true;
  }
  // Recorded like GitHub's cancelled pending run: in the history, with no jobs.
  run.status = engine::RunStatus::kCancelled;
  outcome = {engine::RunStatus::kCancelled};
  run.created_ms = run.started_ms = run.finished_ms = now_ms;
  if (Status s = store.create_run(run); !s.ok()) {
    io.err << "sluice run: cannot record the run: " << s.error().message << "\n";
    outcome.recorded = false;
    return false;
  }
  outcome.run_id = run.id;
  io.out << "run " << run.id << " cancelled while waiting for concurrency group '" << name << "'\n";
  return false;
}

// A branch that may not deploy to an environment fails the run before anything runs:
// every job whose environment is named literally is checked against the environment's
// branch and tag patterns. The failed run is recorded (with a failed deployment per job) so
// that `sluice show` and `sluice deployments` tell why. Returns false when the run must not
// start (with `outcome` set). Jobs whose environment is an expression are checked when
// they start (deploy/environment_admission.h).
bool check_branch_policies(const WorkflowRun& r, const deploy::EnvironmentsFile& environments,
                           engine::Store& store, engine::RunRecord& run, int64_t now_ms,
                           const std::string& creator, Streams io, WorkflowOutcome& outcome) {
  if (!r.job.empty()) return true;  // --job: the admission checks the jobs that run
  std::vector<std::pair<std::string, std::string>> refused;  // job key, environment
  std::string reason;
  for (const plan::PlannedJob& job : r.plan->jobs) {
    if (!job.job->environment) continue;
    const std::string& name = job.job->environment->name.text;
    if (name.find("${{") != std::string::npos) continue;
    const deploy::EnvironmentSpec* env = environments.find(name);
    if (env == nullptr || env->allows_ref(r.event.ref)) continue;
    refused.emplace_back(job.key, name);
    if (reason.empty()) {
      std::string patterns;
      for (const auto& list : {env->branches, env->tags})
        for (const std::string& p : list) patterns += (patterns.empty() ? "" : ", ") + p;
      reason = (r.event.ref.empty() ? std::string("this ref") : r.event.ref) +
               " may not deploy to environment '" + name + "' (allowed: " + patterns + ")";
    }
  }
  if (refused.empty()) return true;
  run.status = engine::RunStatus::kFailure;
  run.reason = reason;
  run.created_ms = run.started_ms = run.finished_ms = now_ms;
  outcome = {engine::RunStatus::kFailure};
  if (Status s = store.create_run(run); !s.ok()) {
    io.err << "sluice run: cannot record the run: " << s.error().message << "\n";
    outcome.recorded = false;
    return false;
  }
  outcome.run_id = run.id;
  for (const auto& [key, name] : refused) {
    engine::DeploymentRecord d;
    d.environment = name;
    d.run_id = run.id;
    d.job_key = key;
    d.ref = r.event.ref;
    d.sha = d.revision = r.event.sha;
    d.creator = creator;
    d.status = engine::DeploymentStatus::kFailure;
    d.reason = reason;
    d.created_ms = d.updated_ms = now_ms;
    (void)store.create_deployment(d);
  }
  io.err << "sluice run: run " << run.id << " failed before any job ran: " << reason << "\n";
  return false;
}

// Names that no other run of this process (the controller runs many at once) or of
// another process takes: the pid, the time and a counter. store/run_recovery.h reads the
// pid back to tell the leftovers of dead processes.
std::string unique_suffix(int64_t now_ms) {
  static std::atomic<uint64_t> sequence{0};
  return std::to_string(getpid()) + "-" + std::to_string(now_ms) + "-" +
         std::to_string(sequence.fetch_add(1));
}

void write_summaries(const engine::Engine& engine, const fs::path& data_dir, std::ostream& out) {
  if (engine.summaries().empty()) return;
  fs::path summary = data_dir / store::step_summary_path(engine.run().id);
  fs::create_directories(summary.parent_path());
  std::ofstream file(summary);
  for (const auto& [job, text] : engine.summaries()) file << "## " << job << "\n\n" << text << "\n";
  out << "step summaries: " << summary.string() << "\n";
}

// Says on stderr what of the run could not be recorded.
void report_unrecorded(int64_t run_id, const engine::RunContext& context, const fs::path& data_dir,
                       std::ostream& err) {
  err << "sluice run: run " << run_id << " could not be fully recorded in "
      << (data_dir / store::SqliteStore::kDatabaseFile).string() << " (" << context.store_errors
      << " store error" << (context.store_errors == 1 ? "" : "s")
      << "): " << context.first_store_error << "\n";
  if (context.store_errors > 1)
    err << "sluice run: last store error: " << context.last_store_error << "\n";
}

}  // namespace

Result<std::unique_ptr<RunSession>> open_run_session(const fs::path& data_dir,
                                                     std::ostream& warnings, bool& store_failed) {
  store_failed = false;
  auto session = std::make_unique<RunSession>();
  session->data_dir = data_dir;
  session->secrets.set("GITHUB_TOKEN", "");
  auto store = store::SqliteStore::open(data_dir);
  if (!store.ok()) {
    store_failed = true;
    return Error{"cannot open the store in " + data_dir.string() + ": " + store.error().message,
                 {}};
  }
  session->store = std::move(*store);
  auto owner = store::RunOwnerLock::acquire(data_dir);
  if (!owner) return owner.error();
  session->owner = std::move(*owner);
  auto interrupted =
      store::interrupt_orphaned_runs(*session->store, data_dir, engine::SystemClock().now_ms());
  if (!interrupted)
    warnings << "warning: cannot mark interrupted runs: " << interrupted.error().message << "\n";
  store::remove_leftovers(data_dir);
  if (interrupted)
    exec::container::remove_containers_of_runs(*interrupted,
                                               fs::absolute(data_dir).lexically_normal().string());
  return session;
}

WorkflowOutcome run_workflow(RunSession& session, const WorkflowRun& r, const RunHooks& hooks) {
  const fs::path& data_dir = session.data_dir;
  std::ostream discard(nullptr);  // for a hook the caller left unset: writes go nowhere
  Streams io{hooks.out ? *hooks.out : discard, hooks.err ? *hooks.err : discard};
  std::shared_ptr<SecretMasker> masker = r.masker ? r.masker : session.masker;
  engine::SystemClock clock;
  engine::EventLoop loop(clock);
  exec::LocalProcessExecutor::Options executor_options;
  executor_options.orphan_reaper = true;
  executor_options.shared_reaper = session.orphan_reaper;
  exec::LocalProcessExecutor processes(executor_options);
  // Container jobs, services and Docker actions; everything else passes through.
  exec::container::ContainerExecutor local(
      processes, {session.container_engine, fs::absolute(data_dir).lexically_normal().string(),
                  exec::process_environment()});
  std::unique_ptr<engine::Executor> wrapped = hooks.executor ? hooks.executor(local) : nullptr;
  engine::Executor& executor = wrapped ? *wrapped : local;

  fs::path temp = data_dir / "tmp" / ("run-" + unique_suffix(clock.now_ms()));
  // RUNNER_TEMP, and the step files' root when there is no /dev/shm: private to this user.
  fs::create_directories(temp.parent_path());
  if (Status s = exec::create_private_directory(temp.string()); !s.ok()) {
    io.err << "sluice run: " << s.error().message << "\n";
    return {engine::RunStatus::kFailure};
  }
  // Records and error messages reach the database and the terminal masked, whichever code
  // built them (engine/masking_sinks.h).
  engine::MaskingStore masked_store(*session.store, masker);
  engine::RunObserver no_observer;
  engine::MaskingObserver masked_observer(hooks.observer ? *hooks.observer : no_observer, masker);
  engine::RunContext context{executor, masked_store, clock, loop};
  context.resolver = &session.actions->resolver;
  context.observer = &masked_observer;
  context.masker = masker;
  engine::RunOptions& o = context.options;
  o.workspace = fs::absolute(r.repo_dir).lexically_normal().string();
  if (!o.workspace.empty() && o.workspace.back() == '/') o.workspace.pop_back();
  o.temp_dir = temp.string();
  std::error_code tool_cache_error;
  if (fs::create_directories(session.actions->tool_cache_dir, tool_cache_error) ||
      fs::is_directory(session.actions->tool_cache_dir, tool_cache_error))
    o.tool_cache_dir = session.actions->tool_cache_dir;
  // Step command files go to tmpfs when there is one (see RunOptions::step_files_dir), in a
  // directory only this user can enter: they hold secrets. The name carries the pid and
  // the time, so that the next sluice can tell leftovers of a dead process.
  fs::path step_files = fs::path("/dev/shm") / ("sluice-" + unique_suffix(clock.now_ms()));
  if (exec::create_private_directory(step_files.string()).ok())
    o.step_files_dir = step_files.string();
  o.max_parallel_jobs = session.max_parallel_jobs > 0
                            ? session.max_parallel_jobs
                            : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  o.github = make_github_context(r.event, *r.workflow, r.repo_dir);
  // The event payload beside the step files (tmpfs, private, removed with them) when there
  // is one: a file created on the data directory's disk costs more than the rest of a short
  // run's writes (ext4 inode allocation).
  fs::path event_path =
      (o.step_files_dir.empty() ? temp : fs::path(o.step_files_dir)) / "event.json";
  o.github.set("event_path", event_path.string());
  std::ofstream(event_path) << to_json(r.event.payload, 2);
  o.inputs = r.inputs;
  o.vars = r.vars;
  o.secrets = r.secrets ? *r.secrets : session.secrets;
  o.base_env = engine::inherited_environment(exec::process_environment());
  o.only_job = r.job;
  o.reused_jobs = r.reused_jobs;
  o.runner_name = session.runner_name;
  o.artifacts_root = fs::absolute(data_dir / "artifacts").lexically_normal().string();

  // Cache and artifact services for the jobs (destroyed after the engine, which calls them).
  auto services = start_runtime_services(data_dir, r.repo_dir, o, *r.plan, masker, io.err);
  if (services && !session.oidc_issuer.empty()) services->oidc().set_issuer(session.oidc_issuer);
  // A job container's steps reach them on the container's own loopback, at the same URLs.
  if (services) {
    runtime::RuntimeServer* server = services.get();
    std::ostream* warnings = &io.err;
    local.set_job_container_hooks(
        {[server, warnings](const std::string& scope, const std::string& netns) {
           if (Status s = server->serve_in_network_namespace(scope, netns); !s.ok())
             *warnings << "sluice run: warning: the job container of " << scope
                       << " cannot reach the cache, artifact and OIDC services: "
                       << s.error().message << "\n";
         },
         [server](const std::string& scope) { server->stop_serving_in(scope); }});
  }
  struct ForgetHooks {  // `services` dies before `executor`
    exec::container::ContainerExecutor& executor;
    ~ForgetHooks() { executor.set_job_container_hooks({}); }
  } forget_hooks{local};
  engine::Engine engine(*r.plan, context);
  engine::RunRecord run = initial_record(r, o, session.owner->token());
  expr::EvalContext ctx = engine::run_expression_context(o, r.inputs);
  if (r.workflow->run_name) {
    auto name = expr::evaluate_string(r.workflow->run_name->text, ctx);
    if (name.ok()) run.run_name = name->to_string();
  }

  WorkflowLock lock;
  std::string group;
  WorkflowOutcome outcome{engine::RunStatus::kFailure};
  auto cleanup = [&] {
    std::error_code ec;
    fs::remove_all(temp, ec);
    if (!o.step_files_dir.empty()) fs::remove_all(o.step_files_dir, ec);
  };

  // .sluice/environments.yml: protection rules of the jobs' environments, notifications.
  Diagnostics environment_errors;
  auto environments = deploy::load_environments(r.repo_dir, environment_errors);
  if (!environments) {
    io.err << environment_errors.format();
    cleanup();
    return outcome;
  }
  deploy::AdmissionSettings admission{r.workflow->file, r.event.ref, r.event.sha,
                                      deploy::current_user()};
  if (!check_branch_policies(r, *environments, masked_store, run, clock.now_ms(), admission.creator,
                             io, outcome)) {
    cleanup();
    return outcome;
  }
  std::ostream* report_to = &io.err;
  deploy::RunDeployments deployments(
      std::move(*environments), admission, masked_store, clock, loop, o.secrets, masker,
      [report_to](const std::string& message) { *report_to << "sluice: " << message << "\n"; });
  context.environments = deployments.gate();
  if (!wait_for_group(*r.workflow, ctx, data_dir, masked_store, run, clock.now_ms(), hooks, io,
                      lock, outcome, group)) {
    cleanup();
    return outcome;
  }
  deployments.set_run(run);  // its names, for notifications sent while it starts
  if (Status s = engine.start(run); !s.ok()) {
    io.err << "sluice run: cannot record the run: " << s.error().message << "\n";
    if (!group.empty() && hooks.release_group) hooks.release_group(group);
    cleanup();
    return {engine::RunStatus::kFailure, false};
  }
  deployments.set_run(engine.run());
  {
    ActiveRun active{loop, engine, executor, *session.store, engine.run()};
    std::unique_ptr<RunAttachment> attachment = hooks.attach ? hooks.attach(active) : nullptr;
    while (!engine.finished()) {
      loop.run_ready();
      if (!engine.finished()) loop.wait_for_work();
    }
  }
  if (!group.empty() && hooks.release_group) hooks.release_group(group);
  deployments.run_finished(engine.run());
  // Notifications never hold the run back, but the process waits a little for them
  // before it exits (which would drop them).
  if (!deployments.drain(std::chrono::seconds(10)))
    io.err << "sluice run: some notifications were still being delivered at exit\n";

  io.out << "run " << engine.run().id
         << " summary: " << engine::format_statistics(engine.statistics()) << "\n";
  write_summaries(engine, data_dir, io.out);
  cleanup();
  if (context.store_errors > 0) report_unrecorded(engine.run().id, context, data_dir, io.err);
  return {engine.run().status, context.store_errors == 0, engine.run().id};
}

}  // namespace sluice::runner
