// `sluice plan`: what would run for an event, without running anything.
#include <CLI/CLI.hpp>
#include <iostream>

#include "cli/action_setup.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/policy_options.h"
#include "core/json.h"
#include "plan/forecast.h"
#include "plan/inputs.h"
#include "plan/matrix.h"
#include "runner/workflow_set.h"

namespace sluice::cli {

using runner::GitInfo;
using runner::load_workflow_set;
using runner::make_action_setup;
using runner::make_github_context;
using runner::parse_key_values;
using runner::problems_for_event;
using runner::read_git_info;
using runner::WorkflowSet;
namespace {

struct PlanArgs {
  std::string dir = ".";
  std::string event = "push";
  std::string branch;
  std::string tag;
  std::vector<std::string> changed;
  std::vector<std::string> inputs;
  std::vector<std::string> vars;
  bool json = false;
  PolicyOptions policy;
  ActionArgs actions;  // remote reusable workflows are fetched to plan their jobs
};

void print_text(const plan::WorkflowForecast& f) {
  if (!f.triggered) {
    std::cout << "- " << f.file << " (" << f.name << "): not triggered: " << f.reason << "\n";
    return;
  }
  std::cout << "+ " << f.file << " (" << f.name << "): triggered"
            << (f.reason.empty() ? "" : " (" + f.reason + ")") << "\n";
  for (const plan::JobForecast& j : f.jobs) {
    std::cout << "    "
              << (j.decision == "run"    ? "run    "
                  : j.decision == "skip" ? "skip   "
                                         : "runtime")
              << " " << j.key;
    if (!j.needs.empty()) {
      std::cout << "  needs:";
      for (const auto& n : j.needs) std::cout << " " << n;
    }
    if (j.matrix_dynamic)
      std::cout << "  matrix: from needed jobs' outputs";
    else if (!j.matrix.empty())
      std::cout << "  matrix: " << j.matrix.size() << " instances";
    if (!j.reason.empty()) std::cout << "  — " << j.reason;
    std::cout << "\n";
    if (j.matrix.size() <= 16)
      for (const Value& combo : j.matrix)
        std::cout << "              " << plan::matrix_display_suffix(combo) << "\n";
  }
}

int run(const PlanArgs& args) {
  auto actions = make_action_setup("plan", args.actions);
  if (!actions) return kExitInvalid;
  WorkflowSet set = load_workflow_set(args.dir, "", args.policy);
  auto inputs = parse_key_values(args.inputs, "--input");
  auto vars = parse_key_values(args.vars, "--var");
  if (!inputs.ok() || !vars.ok()) {
    std::cerr << "sluice plan: " << (!inputs.ok() ? inputs.error().message : vars.error().message)
              << "\n";
    return kExitInvalid;
  }
  GitInfo git = read_git_info(args.dir);
  plan::Event event;
  event.name = args.event;
  event.ref = !args.tag.empty()      ? "refs/tags/" + args.tag
              : !args.branch.empty() ? "refs/heads/" + args.branch
                                     : git.ref;
  event.sha = git.sha;
  if (!args.changed.empty()) event.changed_paths = args.changed;
  if (event.name == "pull_request") event.base_ref = event.branch();
  // github.event as `sluice run` fills it, so that plan forecasts the `if`s run evaluates.
  event.payload.set("ref", event.ref);
  event.payload.set("after", event.sha);
  Diagnostics problems = problems_for_event(set, event);
  std::cerr << problems.format();
  if (problems.has_errors()) return kExitInvalid;
  Value vars_object = Value::object();
  for (const auto& [k, v] : *vars) vars_object.set(k, v);

  Value::Array all;
  for (const auto& workflow : set.workflows) {
    plan::TriggerDecision trigger = plan::decide_trigger(*workflow, event);
    Value input_values = Value::object();
    if (trigger.triggered && event.name == "workflow_dispatch") {
      auto resolved = plan::resolve_dispatch_inputs(*workflow, *inputs);
      if (!resolved.ok()) {
        std::cerr << workflow->file << ": " << resolved.error().message << "\n";
        return kExitInvalid;
      }
      input_values = *resolved;
    }
    if (event.name == "workflow_dispatch") event.payload.set("inputs", input_values);
    Value contexts = Value::object();
    contexts.set("github", make_github_context(event, *workflow, args.dir));
    contexts.set("inputs", input_values);
    contexts.set("vars", vars_object);
    Diagnostics diagnostics;
    auto run_plan = trigger.triggered ? plan::build_run_plan(*workflow, args.dir, diagnostics,
                                                             actions->workflow_loader)
                                      : nullptr;
    if (diagnostics.has_errors()) {
      std::cerr << diagnostics.format();
      return kExitInvalid;
    }
    plan::WorkflowForecast f = plan::forecast(*workflow, run_plan.get(), trigger, contexts);
    if (args.json)
      all.push_back(plan::forecast_to_value(f));
    else
      print_text(f);
  }
  if (args.json) {
    Value out = Value::object();
    Value e = Value::object();
    e.set("name", event.name);
    e.set("ref", event.ref);
    e.set("sha", event.sha);
    Value::Array changed(args.changed.begin(), args.changed.end());
    e.set("changed", event.changed_paths ? Value::array(std::move(changed)) : Value());
    out.set("event", e);
    out.set("workflows", Value::array(std::move(all)));
    std::cout << to_json(out, 2) << "\n";
  }
  return kExitOk;
}

}  // namespace

void add_plan_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<PlanArgs>();
  auto* cmd = app.add_subcommand(
      "plan", "Show which workflows and jobs an event would run (nothing is run)");
  cmd->add_option("dir", args->dir, "Repository directory (default: .)");
  cmd->add_option("--event", args->event, "Event: push, pull_request, schedule, workflow_dispatch")
      ->check(CLI::IsMember({"push", "pull_request", "workflow_dispatch", "schedule"}));
  cmd->add_option("--branch", args->branch,
                  "Branch of the event (default: the checked-out branch)");
  cmd->add_option("--tag", args->tag, "Tag pushed (push events)");
  cmd->add_option("--changed", args->changed, "Changed file paths, for paths filters");
  cmd->add_option("--input", args->inputs, "workflow_dispatch input KEY=VALUE");
  cmd->add_option("--var", args->vars, "Configuration variable KEY=VALUE");
  cmd->add_flag("--json", args->json, "Machine-readable output (stable; see docs/cli.md)");
  add_policy_options(*cmd, args->policy);
  add_action_options(cmd, args->actions);
  cmd->callback([args, &exit_code] { exit_code = run(*args); });
}

}  // namespace sluice::cli
