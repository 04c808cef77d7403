// `sluice run`: runs a repository's workflows on this machine. Wiring only: which
// workflows the event triggers (plan/), with what inputs; running one is run_on_terminal().
#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>

#include "cli/action_setup.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/interrupts.h"
#include "cli/policy_options.h"
#include "cli/rerun.h"
#include "cli/run_session.h"
#include "plan/event.h"
#include "plan/inputs.h"
#include "plan/run_plan.h"
#include "runner/workflow_set.h"

namespace fs = std::filesystem;

namespace sluice::cli {

using runner::all_problems;
using runner::GitInfo;
using runner::load_workflow_set;
using runner::make_action_setup;
using runner::parse_key_values;
using runner::prefetch_actions;
using runner::problems_for_event;
using runner::read_git_info;
using runner::WorkflowSet;
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
  PolicyOptions policy;
  std::string container_engine;
  ActionArgs actions;
  std::string resume;  // --resume RUN (cli/rerun.h)
};

// `sluice run --resume RUN`: the run's own settings, this command's secrets and flags.
int resume(const RunArgs& args) {
  RerunArgs rerun;
  rerun.run = args.resume;
  rerun.resume = true;
  rerun.secrets = args.secrets;
  rerun.secrets_file = args.secrets_file;
  rerun.jobs = args.jobs;
  rerun.data_dir =
      args.data_dir.empty() ? (fs::path(args.dir) / ".sluice").string() : args.data_dir;
  rerun.policy = args.policy;
  rerun.container_engine = args.container_engine;
  rerun.actions = args.actions;
  return rerun_recorded(rerun, "run");
}

Value to_object(const std::vector<std::pair<std::string, std::string>>& pairs) {
  Value o = Value::object();
  for (const auto& [k, v] : pairs) o.set(k, v);
  return o;
}

int run(RunArgs args) {
  WorkflowSet set = load_workflow_set(args.dir, args.workflow, args.policy);
  auto inputs_given = parse_key_values(args.inputs, "--input");
  auto vars_given = parse_key_values(args.vars, "--var");
  for (const auto* r : {&inputs_given, &vars_given})
    if (!r->ok()) {
      std::cerr << "sluice run: " << r->error().message << "\n";
      return kExitInvalid;
    }
  GitInfo git = read_git_info(args.dir);
  plan::Event event;
  event.name = args.event;
  event.ref = git.ref;
  event.sha = git.sha;
  event.inputs = *inputs_given;
  event.payload.set("ref", event.ref);
  event.payload.set("after", event.sha);
  // Before anything runs: the problems of what this event runs (and of what the user named).
  Diagnostics problems = args.workflow.empty() ? problems_for_event(set, event) : all_problems(set);
  std::cerr << problems.format();
  if (problems.has_errors()) return kExitInvalid;

  auto actions = make_action_setup("run", args.actions);
  if (!actions) return kExitInvalid;
  fs::path data_dir =
      args.data_dir.empty() ? fs::path(args.dir) / ".sluice" : fs::path(args.data_dir);
  int open_error = kExitOk;
  auto session = open_run_session("run", data_dir, args.secrets, args.secrets_file, open_error);
  if (!session) return open_error;
  session->max_parallel_jobs = args.jobs;
  session->actions = actions.get();
  session->container_engine = args.container_engine;
  install_interrupt_handlers();

  int exit_code = kExitOk;
  int started = 0;
  for (const auto& workflow : set.workflows) {
    if (args.workflow.empty() && plan::only_called_by_workflows(*workflow)) continue;
    plan::TriggerDecision decision = plan::decide_trigger(*workflow, event);
    if (!decision.triggered) {
      if (!args.workflow.empty()) {
        std::cerr << "sluice run: " << workflow->file << " is not triggered by '" << event.name
                  << "': " << decision.reason << " (choose the event with --event)\n";
        return kExitInvalid;
      }
      continue;
    }
    WorkflowRun run;
    if (event.name == "workflow_dispatch") {
      auto resolved = plan::resolve_dispatch_inputs(*workflow, event.inputs);
      if (!resolved.ok()) {
        std::cerr << workflow->file << ": " << resolved.error().message << "\n";
        return kExitInvalid;
      }
      run.inputs = *resolved;
      event.payload.set("inputs", run.inputs);
    }
    Diagnostics diagnostics;
    auto plan = plan::build_run_plan(*workflow, args.dir, diagnostics, actions->workflow_loader);
    if (!plan) {
      std::cerr << diagnostics.format();
      return kExitInvalid;
    }
    if (!prefetch_actions(*actions, *plan, args.dir)) return kExitInvalid;
    if (!args.job.empty() && !plan->find(args.job)) {
      std::cerr << "sluice run: " << workflow->file << " has no job '" << args.job << "'\n";
      return kExitInvalid;
    }
    ++started;
    run.workflow = workflow.get();
    run.plan = &*plan;
    run.event = event;
    run.vars = to_object(*vars_given);
    run.repo_dir = args.dir;
    run.job = args.job;
    int code = exit_code_of(run_on_terminal(*session, run));
    if (code == kExitNotRecorded || code == kExitCancelled) return code;
    if (code != kExitOk) exit_code = code;
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
  add_action_options(cmd, args->actions);
  add_policy_options(*cmd, args->policy);
  cmd->add_option("--container-engine", args->container_engine,
                  "podman, docker or a path: runs container jobs, services and Docker actions "
                  "(default: podman, else docker, on PATH)")
      ->envname("SLUICE_CONTAINER_ENGINE");
  cmd->add_option("--resume", args->resume,
                  "Resume an interrupted run (an id or 'latest'): recover its cut-short "
                  "deployments, then run its unfinished and failed jobs again")
      ->excludes(cmd->get_option("--workflow"))
      ->excludes(cmd->get_option("--job"))
      ->excludes(cmd->get_option("--input"))
      ->excludes(cmd->get_option("--var"));
  cmd->callback(
      [args, &exit_code] { exit_code = args->resume.empty() ? run(*args) : resume(*args); });
}

}  // namespace sluice::cli
