// Checks of files a workflow calls: reusable workflows (`jobs.<id>.uses: ./...`) and local
// actions (`steps[*].uses: ./...`). They need the repository root (ValidateOptions).
#include <algorithm>
#include <filesystem>

#include "spec/suggest.h"
#include "spec/validator_parts.h"
#include "spec/workflow_loader.h"

namespace sluice::spec::detail {

namespace {

namespace fs = std::filesystem;

bool has_key(const ScalarMap& map, const std::string& key) {
  return std::any_of(map.begin(), map.end(), [&](const auto& kv) { return kv.first == key; });
}

// The file or directory a local `uses:` names (the loader checked that it stays inside the
// repository: ActionRef::path).
std::string resolve(const ActionRef& ref, const ValidateOptions& options) {
  return (fs::path(options.repo_root) / ref.path).lexically_normal().string();
}

void check_reusable(const Job& job, const ValidateOptions& options, Diagnostics& d) {
  const std::string where = "job '" + job.id + "'";
  const Scalar& uses = *job.uses;
  std::string path = resolve(*job.called, options);
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) {
    d.error(uses.pos,
            "reusable workflow '" + uses.text + "' called by " + where + " does not exist",
            "paths are relative to the repository root (" + options.repo_root + ")");
    return;
  }
  Diagnostics callee_diags;
  auto callee = load_workflow_file(path, callee_diags);
  if (!callee) {
    d.error(uses.pos, "reusable workflow '" + uses.text + "' called by " + where + " has errors",
            "run `sluice validate " + path + "` to see them");
    return;
  }
  if (!callee->on.workflow_call) {
    d.error(uses.pos,
            "reusable workflow '" + uses.text + "' called by " + where +
                " does not have `on: workflow_call`",
            "add `workflow_call:` to the `on:` of " + uses.text);
    return;
  }
  std::vector<std::string> declared;
  for (const auto& in : callee->on.call_inputs) {
    declared.push_back(in.id);
    if (in.required && !in.default_value && !has_key(job.with, in.id))
      d.error(uses.pos,
              where + " does not pass required input '" + in.id + "' of '" + uses.text + "'",
              "add `with: {" + in.id + ": <value>}`");
  }
  for (const auto& [key, value] : job.with) {
    if (std::find(declared.begin(), declared.end(), key) != declared.end()) continue;
    std::string m = closest_match(key, std::span<const std::string>(declared));
    d.error(value.pos,
            where + " passes input '" + key + "', which '" + uses.text + "' does not declare",
            m.empty() ? "declare it under `on: workflow_call: inputs:` of the called workflow"
                      : "did you mean '" + m + "'?");
  }
  if (!job.secrets_inherit) {
    for (const auto& s : callee->on.call_secrets)
      if (s.required && !has_key(job.secrets, s.id))
        d.error(uses.pos,
                where + " does not pass required secret '" + s.id + "' of '" + uses.text + "'",
                "add `secrets: {" + s.id + ": ${{ secrets." + s.id + " }}}` or `secrets: inherit`");
  }
}

void check_local_action(const Step& step, const std::string& where, const ValidateOptions& options,
                        Diagnostics& d) {
  const Scalar& uses = *step.uses;
  std::string path = resolve(*step.action, options);
  std::error_code ec;
  if (!fs::is_regular_file(fs::path(path) / "action.yml", ec) &&
      !fs::is_regular_file(fs::path(path) / "action.yaml", ec)) {
    // Not an error: the job reads a local action when its step starts, and an earlier step
    // (a checkout, a build) may create it, as on GitHub.
    d.warning(uses.pos,
              "local action '" + uses.text + "' used by " + where + " does not exist (yet)",
              "expected an action.yml in " + path +
                  "; an earlier step of the job must create it, else that step fails");
    return;
  }
  Diagnostics action_diags;
  auto action = load_action_file(path, action_diags);
  if (!action) {
    d.error(uses.pos, "local action '" + uses.text + "' used by " + where + " has errors",
            "run `sluice validate` on " + path + "/action.yml to see them");
    return;
  }
  for (const auto& in : action->inputs)
    if (in.required && !in.default_value && !has_key(step.with, in.id))
      d.error(uses.pos,
              where + " does not pass required input '" + in.id + "' of action '" + uses.text + "'",
              "add `with: {" + in.id + ": <value>}`");
}

}  // namespace

void check_calls(const Workflow& workflow, const ValidateOptions& options, Diagnostics& d) {
  for (const auto& job : workflow.jobs) {
    if (job.called && job.called->kind == ActionRef::Kind::kLocal) check_reusable(job, options, d);
    for (size_t i = 0; i < job.steps.size(); ++i) {
      const Step& step = job.steps[i];
      if (step.action && step.action->kind == ActionRef::Kind::kLocal)
        check_local_action(step, "step " + std::to_string(i + 1) + " of job '" + job.id + "'",
                           options, d);
    }
  }
}

}  // namespace sluice::spec::detail
