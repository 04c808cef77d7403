// `sluice run`: runs a repository's workflows on this machine.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include "actions/local_action_resolver.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/interrupts.h"
#include "cli/progress_printer.h"
#include "cli/workflow_lock.h"
#include "cli/workflow_set.h"
#include "core/json.h"
#include "engine/engine.h"
#include "engine/masking_sinks.h"
#include "engine/scalar_value.h"
#include "exec/local_process_executor.h"
#include "exec/step_files.h"
#include "plan/inputs.h"
#include "plan/run_plan.h"
#include "store/run_owner.h"
#include "store/run_recovery.h"
#include "store/sqlite/sqlite_store.h"

extern char** environ;
namespace fs = std::filesystem;

namespace sluice::cli {
namespace {

struct RunArgs {
  std::string dir = ".";
  std::string workflow;
  std::string job;
  std::string event = "push";
  std::vector<std::string> inputs, secrets, vars;
  std::string secrets_file;
  int jobs = 0;
  std::string data_dir;
  std::string actions_dir;
};

std::string self_binary() {
  std::error_code ec;
  auto p = fs::read_symlink("/proc/self/exe", ec);
  return ec ? "sluice" : p.string();
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

Value to_object(const std::vector<std::pair<std::string, std::string>>& pairs) {
  Value o = Value::object();
  for (const auto& [k, v] : pairs) o.set(k, v);
  return o;
}

struct WorkflowOutcome {
  engine::RunStatus status;
  bool recorded = true;  // false: the history lacks part of the run (a store error)
};

// Says on stderr what of the run could not be recorded.
void report_unrecorded(int64_t run_id, const engine::RunContext& context,
                       const fs::path& data_dir) {
  std::cerr << "sluice run: run " << run_id << " could not be fully recorded in "
            << (data_dir / store::SqliteStore::kDatabaseFile).string() << " ("
            << context.store_errors << " store error" << (context.store_errors == 1 ? "" : "s")
            << "): " << context.first_store_error << "\n";
  if (context.store_errors > 1)
    std::cerr << "sluice run: last store error: " << context.last_store_error << "\n";
}

// Runs one workflow; returns the run's final status and whether it was fully recorded.
WorkflowOutcome run_workflow(const spec::Workflow& workflow, const plan::RunPlan& plan,
                             const plan::Event& event, const Value& inputs, const RunArgs& args,
                             const Value& vars, const Value& secrets,
                             const std::shared_ptr<SecretMasker>& masker, store::SqliteStore& store,
                             const fs::path& data_dir, const std::string& owner) {
  engine::SystemClock clock;
  engine::EventLoop loop(clock);
  exec::LocalProcessExecutor::Options executor_options;
  executor_options.orphan_reaper = true;
  exec::LocalProcessExecutor executor(executor_options);
  actions::LocalActionResolver resolver(args.actions_dir.empty()
                                            ? actions::LocalActionResolver::default_actions_dir()
                                            : args.actions_dir,
                                        self_binary());
  ProgressPrinter printer(std::cout, isatty(STDOUT_FILENO), data_dir.string());

  fs::path temp =
      data_dir / "tmp" / ("run-" + std::to_string(getpid()) + "-" + std::to_string(clock.now_ms()));
  // RUNNER_TEMP, and the step files' root when there is no /dev/shm: private to this user.
  fs::create_directories(temp.parent_path());
  if (Status s = exec::create_private_directory(temp.string()); !s.ok()) {
    std::cerr << "sluice run: " << s.error().message << "\n";
    return {engine::RunStatus::kFailure};
  }
  // Records and error messages reach the database and the terminal masked, whichever code
  // built them (engine/masking_sinks.h).
  engine::MaskingStore masked_store(store, masker);
  engine::MaskingObserver masked_printer(printer, masker);
  engine::RunContext context{executor, masked_store, clock, loop};
  context.resolver = &resolver;
  context.observer = &masked_printer;
  context.masker = masker;
  engine::RunOptions& o = context.options;
  o.workspace = fs::absolute(args.dir).lexically_normal().string();
  if (!o.workspace.empty() && o.workspace.back() == '/') o.workspace.pop_back();
  o.temp_dir = temp.string();
  // Step command files go to tmpfs when there is one (see RunOptions::step_files_dir), in a
  // directory only this user can enter: they hold secrets.
  fs::path step_files = fs::path("/dev/shm") / ("sluice-" + std::to_string(getpid()) + "-" +
                                                std::to_string(clock.now_ms()));
  if (exec::create_private_directory(step_files.string()).ok())
    o.step_files_dir = step_files.string();
  o.max_parallel_jobs = args.jobs > 0
                            ? args.jobs
                            : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  o.github = make_github_context(event, workflow, args.dir);
  o.github.set("event_path", (temp / "event.json").string());
  std::ofstream(temp / "event.json") << to_json(event.payload, 2);
  o.inputs = inputs;
  o.vars = vars;
  o.secrets = secrets;
  o.base_env = process_environment();
  o.only_job = args.job;
  o.runner_name = "sluice-local";
  o.artifacts_root = fs::absolute(data_dir / "artifacts").lexically_normal().string();

  engine::Engine engine(plan, context);
  engine::RunRecord run;
  run.workflow_file = workflow.file;
  run.workflow_name = workflow.display_name();
  run.event = event.name;
  run.ref = event.ref;
  run.sha = event.sha;
  run.inputs_json = masker->mask(to_json(inputs));
  run.owner = owner;
  run.workspace = o.workspace;
  run.job_filter = args.job;
  if (!o.vars.as_object().empty()) run.vars_json = masker->mask(to_json(o.vars));
  expr::EvalContext ctx = engine::run_expression_context(o, inputs);
  if (workflow.run_name) {
    auto name = expr::evaluate_string(workflow.run_name->text, ctx);
    if (name.ok()) run.run_name = name->to_string();
  }

  WorkflowLock lock;
  if (workflow.concurrency) {
    auto group = expr::evaluate_string(workflow.concurrency->group.text, ctx);
    bool cancel_in_progress = false;
    if (workflow.concurrency->cancel_in_progress) {
      auto v = engine::evaluate_scalar(workflow.concurrency->cancel_in_progress->text, ctx);
      cancel_in_progress = v.ok() && v->truthy();
    }
    std::string name = group.ok() ? group->to_string() : workflow.concurrency->group.text;
    std::string error;
    switch (lock.acquire(data_dir.string(), name, cancel_in_progress,
                         workflow.concurrency->queue_all, interrupt_count(), std::cout, error)) {
      case WorkflowLock::Outcome::kAcquired:
        break;
      case WorkflowLock::Outcome::kFailed:
        std::cerr << "sluice run: " << error << "\n";
        return {engine::RunStatus::kFailure};
      case WorkflowLock::Outcome::kCancelled: {
        // Recorded like GitHub's cancelled pending run: in the history, with no jobs.
        run.status = engine::RunStatus::kCancelled;
        run.created_ms = run.started_ms = run.finished_ms = clock.now_ms();
        if (Status s = masked_store.create_run(run); !s.ok()) {
          std::cerr << "sluice run: cannot record the run: " << s.error().message << "\n";
          return {engine::RunStatus::kCancelled, false};
        }
        std::cout << "run " << run.id << " cancelled while waiting for concurrency group '" << name
                  << "'\n";
        return {engine::RunStatus::kCancelled};
      }
    }
  }

  if (Status s = engine.start(run); !s.ok()) {
    std::cerr << "sluice run: cannot record the run: " << s.error().message << "\n";
    return {engine::RunStatus::kFailure, false};
  }

  {
    InterruptWatcher watcher(loop, engine, executor, store, engine.run());
    while (!engine.finished()) {
      loop.run_ready();
      if (!engine.finished()) loop.wait_for_work();
    }
  }

  engine::RunStatistics stats = engine.statistics();
  std::cout << "run " << engine.run().id << " summary: " << engine::format_statistics(stats)
            << "\n";
  if (!engine.summaries().empty()) {
    fs::path summary = data_dir / "logs" / std::to_string(engine.run().id) / "summary.md";
    fs::create_directories(summary.parent_path());
    std::ofstream out(summary);
    for (const auto& [job, text] : engine.summaries())
      out << "## " << job << "\n\n" << text << "\n";
    std::cout << "step summaries: " << summary.string() << "\n";
  }
  std::error_code ec;
  fs::remove_all(temp, ec);
  if (!o.step_files_dir.empty()) fs::remove_all(o.step_files_dir, ec);
  if (context.store_errors > 0) report_unrecorded(engine.run().id, context, data_dir);
  return {engine.run().status, context.store_errors == 0};
}

int run(RunArgs args) {
  WorkflowSet set = load_workflow_set(args.dir, args.workflow);
  if (set.diagnostics.has_errors()) {
    std::cerr << set.diagnostics.format();
    return kExitInvalid;
  }
  auto inputs_given = parse_key_values(args.inputs, "--input");
  auto secrets_given = parse_key_values(args.secrets, "--secret", true);
  auto vars_given = parse_key_values(args.vars, "--var");
  for (const auto* r : {&inputs_given, &secrets_given, &vars_given})
    if (!r->ok()) {
      std::cerr << "sluice run: " << r->error().message << "\n";
      return kExitInvalid;
    }
  Value secrets = Value::object();
  auto masker = std::make_shared<SecretMasker>();
  std::vector<std::pair<std::string, std::string>> all_secrets = *secrets_given;
  if (!args.secrets_file.empty()) {
    auto from_file = read_secrets_file(args.secrets_file);
    if (!from_file.ok()) {
      std::cerr << "sluice run: " << from_file.error().format() << "\n";
      return kExitInvalid;
    }
    all_secrets.insert(all_secrets.end(), from_file->begin(), from_file->end());
  }
  for (const auto& [k, v] : all_secrets) {
    secrets.set(k, v);
    masker->add(v);
  }
  secrets.set("GITHUB_TOKEN", "");

  GitInfo git = read_git_info(args.dir);
  plan::Event event;
  event.name = args.event;
  event.ref = git.ref;
  event.sha = git.sha;
  event.inputs = *inputs_given;
  event.payload.set("ref", event.ref);
  event.payload.set("after", event.sha);

  fs::path data_dir =
      args.data_dir.empty() ? fs::path(args.dir) / ".sluice" : fs::path(args.data_dir);
  auto store = store::SqliteStore::open(data_dir);
  if (!store.ok()) {
    std::cerr << "sluice run: cannot open the store in " << data_dir.string() << ": "
              << store.error().message << "\n";
    return kExitNotRecorded;
  }
  // Held until every run of this process is recorded finished: a run whose owner is gone
  // is interrupted (store/run_owner.h), and this is when the leftovers of such runs go.
  auto owner = store::RunOwnerLock::acquire(data_dir);
  if (!owner) {
    std::cerr << "sluice run: " << owner.error().message << "\n";
    return kExitInvalid;
  }
  if (auto interrupted =
          store::interrupt_orphaned_runs(**store, data_dir, engine::SystemClock().now_ms());
      !interrupted)
    std::cerr << "sluice run: warning: cannot mark interrupted runs: "
              << interrupted.error().message << "\n";
  store::remove_leftovers(data_dir);

  install_interrupt_handlers();

  int exit_code = kExitOk;
  int started = 0;
  for (const auto& workflow : set.workflows) {
    if (workflow->on.workflow_call && !workflow->on.workflow_dispatch &&
        workflow->on.events.empty() && workflow->on.schedules.empty() && args.workflow.empty())
      continue;  // only called by other workflows
    plan::TriggerDecision decision = plan::decide_trigger(*workflow, event);
    if (!decision.triggered) {
      if (!args.workflow.empty()) {
        std::cerr << "sluice run: " << workflow->file << " is not triggered by '" << event.name
                  << "': " << decision.reason << " (choose the event with --event)\n";
        return kExitInvalid;
      }
      continue;
    }
    Value inputs = Value::object();
    if (event.name == "workflow_dispatch") {
      auto resolved = plan::resolve_dispatch_inputs(*workflow, event.inputs);
      if (!resolved.ok()) {
        std::cerr << workflow->file << ": " << resolved.error().message << "\n";
        return kExitInvalid;
      }
      inputs = *resolved;
      event.payload.set("inputs", inputs);
    }
    Diagnostics diagnostics;
    auto plan = plan::build_run_plan(*workflow, args.dir, diagnostics);
    if (!plan) {
      std::cerr << diagnostics.format();
      return kExitInvalid;
    }
    if (!args.job.empty() && !plan->find(args.job)) {
      std::cerr << "sluice run: " << workflow->file << " has no job '" << args.job << "'\n";
      return kExitInvalid;
    }
    ++started;
    WorkflowOutcome outcome =
        run_workflow(*workflow, *plan, event, inputs, args, to_object(*vars_given), secrets, masker,
                     **store, data_dir, (*owner)->token());
    if (!outcome.recorded) return kExitNotRecorded;
    if (outcome.status == engine::RunStatus::kCancelled || interrupt_count() > 0)
      return kExitCancelled;
    if (outcome.status != engine::RunStatus::kSuccess) exit_code = kExitFailure;
  }
  if (started == 0) {
    std::cerr << "sluice run: no workflow is triggered by '" << event.name
              << "' (try --event workflow_dispatch, or sluice plan)\n";
    return kExitInvalid;
  }
  return exit_code;
}

}  // namespace

void add_run_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<RunArgs>();
  auto* cmd = app.add_subcommand("run", "Run the repository's workflows on this machine");
  cmd->add_option("dir", args->dir, "Repository directory (default: .)");
  cmd->add_option("-w,--workflow", args->workflow,
                  "Workflow file to run (default: every one the event triggers)");
  cmd->add_option("--job", args->job, "Run only this job (and the jobs it needs)");
  cmd->add_option("--event", args->event, "Event: push, pull_request, workflow_dispatch, schedule")
      ->check(CLI::IsMember({"push", "pull_request", "workflow_dispatch", "schedule"}));
  cmd->add_option("--input", args->inputs, "workflow_dispatch input KEY=VALUE (repeatable)");
  cmd->add_option("--secret", args->secrets, "Secret KEY=VALUE (repeatable; masked in logs)");
  cmd->add_option("--secrets-file", args->secrets_file, "File of KEY=VALUE secret lines");
  cmd->add_option("--var", args->vars, "Configuration variable KEY=VALUE (the vars context)");
  cmd->add_option("--jobs", args->jobs, "Jobs run in parallel (default: number of cores)")
      ->check(CLI::Range(1, 1024));
  cmd->add_option("--data-dir", args->data_dir, "Run history directory (default: DIR/.sluice)");
  cmd->add_option("--actions-dir", args->actions_dir, "Where owner/repo@ref actions are looked up");
  cmd->callback([args, &exit_code] { exit_code = run(*args); });
}

}  // namespace sluice::cli
