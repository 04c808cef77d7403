// `sluice rerun RUN [--failed]`: a new run of the same workflow, event (name, ref, sha),
// inputs, vars and --job as run RUN, from the workflow file as it is now. Secrets are never
// stored: they come from --secret/--secrets-file again, as for `sluice run`. With --failed,
// the jobs that succeeded are reused (engine/rerun_selection.h) and the rest run again.
#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>
#include <memory>

#include "actions/deploy_action.h"
#include "cli/action_setup.h"
#include "cli/api_client.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/interrupts.h"
#include "cli/policy_options.h"
#include "cli/remote_commands.h"
#include "cli/rerun.h"
#include "cli/run_lookup.h"
#include "cli/run_session.h"
#include "core/json.h"
#include "engine/rerun_selection.h"
#include "plan/run_plan.h"
#include "runner/workflow_set.h"

namespace sluice::cli {

using runner::all_problems;
using runner::load_workflow_set;
using runner::make_action_setup;
using runner::prefetch_actions;
using runner::WorkflowSet;
namespace {

namespace fs = std::filesystem;

struct RerunCommandArgs : RerunArgs {
  ServerArgs server;  // --server: the controller re-runs it (cli/remote_commands.h)
  bool wait = false;
};

Value object_from_json(const std::string& text) {
  if (text.empty()) return Value::object();
  auto parsed = parse_json(text);
  return parsed.ok() && parsed->is_object() ? *parsed : Value::object();
}

// The event of the earlier run, as `sluice run` built it.
plan::Event event_of(const engine::RunRecord& prior, const Value& inputs) {
  plan::Event event;
  event.name = prior.event;
  event.ref = prior.ref;
  event.sha = prior.sha;
  event.payload.set("ref", event.ref);
  event.payload.set("after", event.sha);
  if (event.name == "workflow_dispatch") event.payload.set("inputs", inputs);
  return event;
}

}  // namespace

int rerun_recorded(const RerunArgs& args, const char* command) {
  const std::string prefix = std::string("sluice ") + command + ": ";
  auto actions = make_action_setup(command, args.actions);
  if (!actions) return kExitInvalid;
  int open_error = kExitOk;
  auto session =
      open_run_session(command, args.data_dir, args.secrets, args.secrets_file, open_error);
  if (!session) return open_error;
  session->max_parallel_jobs = args.jobs;
  session->actions = actions.get();
  session->container_engine = args.container_engine;
  auto id = resolve_run(*session->store, args.run);
  auto detail = id ? session->store->load_run(*id) : Result<engine::RunDetail>(id.error());
  if (!detail) {
    std::cerr << prefix << "error: " << detail.error().message << "\n";
    return kExitInvalid;
  }
  const engine::RunRecord& prior = detail->run;
  if (!engine::is_terminal(prior.status)) {
    std::cerr << prefix << "error: run " << prior.id << " is still "
              << engine::to_string(prior.status) << "; re-run it once it has finished\n";
    return kExitInvalid;
  }
  if (args.resume && prior.status == engine::RunStatus::kSuccess) {
    std::cerr << prefix << "error: run " << prior.id << " succeeded; there is nothing to resume\n";
    return kExitInvalid;
  }
  if (prior.workspace.empty()) {
    std::cerr << prefix << "error: run " << prior.id
              << " was recorded by an older sluice that did not keep its repository directory; "
                 "start it again with `sluice run`\n";
    return kExitInvalid;
  }
  WorkflowSet set = load_workflow_set(prior.workspace, prior.workflow_file, args.policy);
  Diagnostics problems = all_problems(set);
  if (problems.has_errors() || set.workflows.empty()) {
    std::cerr << problems.format();
    return kExitInvalid;
  }
  Diagnostics diagnostics;
  auto plan = plan::build_run_plan(*set.workflows.front(), prior.workspace, diagnostics,
                                   actions->workflow_loader);
  if (!plan) {
    std::cerr << diagnostics.format();
    return kExitInvalid;
  }
  if (!prefetch_actions(*actions, *plan, prior.workspace)) return kExitInvalid;
  WorkflowRun run;
  run.workflow = set.workflows.front().get();
  run.plan = &*plan;
  run.inputs = object_from_json(prior.inputs_json);
  run.event = event_of(prior, run.inputs);
  run.vars = object_from_json(prior.vars_json);
  run.repo_dir = prior.workspace;
  run.job = prior.job_filter;
  run.rerun_of = prior.id;
  if (args.failed || args.resume) {
    run.reused_jobs = engine::reusable_jobs(*plan, detail->jobs, prior.id);
    bool all_reused = true;
    for (const auto& job : plan->jobs) {
      bool selected = false;
      for (const auto& record : detail->jobs) selected = selected || record.key == job.key;
      all_reused = all_reused && (!selected || run.reused_jobs.count(job.key) > 0);
    }
    if (all_reused) {
      std::cerr << prefix << "error: run " << prior.id
                << " has no failed jobs to re-run (re-run it all without --failed)\n";
      return kExitInvalid;
    }
  }
  if (args.resume) {
    // Its deployments first: a job deploying again must not start on top of a half-switched
    // environment (the deploy step would recover it too, but only for its own environment).
    std::cout << "resuming run " << prior.id << "\n";
    if (actions::recover_run_deployments(*session->store, session->data_dir,
                                         session->owner->token(), prior.id, std::cout,
                                         std::cerr) != 0)
      return kExitFailure;
  } else {
    std::cout << "re-running run " << prior.id << (args.failed ? " (failed jobs)" : "") << "\n";
  }
  install_interrupt_handlers();
  return exit_code_of(run_on_terminal(*session, run));
}

void add_rerun_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<RerunCommandArgs>();
  auto* cmd = app.add_subcommand("rerun",
                                 "Run a recorded run again: same workflow, event, inputs and vars");
  cmd->add_option("RUN", args->run, "Run id (see `sluice runs`) or 'latest'")->required();
  cmd->add_flag("--failed", args->failed,
                "Re-run only the jobs that did not succeed (and the jobs that need them)");
  cmd->add_option("--secret", args->secrets, "Secret KEY=VALUE (repeatable; never stored)");
  cmd->add_option("--secrets-file", args->secrets_file, "File of KEY=VALUE secret lines");
  cmd->add_option("--jobs", args->jobs, "Jobs run in parallel (default: number of cores)")
      ->check(CLI::Range(1, 1024));
  cmd->add_option("--data-dir", args->data_dir, "Run history directory")->capture_default_str();
  add_action_options(cmd, args->actions);
  add_policy_options(*cmd, args->policy);
  cmd->add_option("--container-engine", args->container_engine,
                  "podman, docker or a path: runs container jobs, services and Docker actions "
                  "(default: podman, else docker, on PATH)")
      ->envname("SLUICE_CONTAINER_ENGINE");
  add_server_options(cmd, args->server);
  cmd->add_flag("--wait", args->wait,
                "With --server: follow the new run to its end and exit as `sluice run` does");
  cmd->callback([args, &exit_code] {
    exit_code = args->server.server.empty()
                    ? rerun_recorded(*args, "rerun")
                    : remote_rerun(args->server, args->run, args->failed, args->wait);
  });
}

}  // namespace sluice::cli
