// Semantic validation of a loaded workflow: the checks that need more than one node.
#pragma once

#include <string>

#include "core/diagnostic.h"
#include "spec/workflow.h"

namespace sluice::spec {

struct ActionPolicy;

struct ValidateOptions {
  // Repository root, used to load reusable workflows (`uses: ./.github/workflows/x.yml`)
  // and local actions (`uses: ./path`) and check their inputs. Empty: skip those checks.
  std::string repo_root;
  // The action origin policy (spec/action_policy.h); nullptr or empty: every origin allowed.
  // Not owned; outlives the call.
  const ActionPolicy* policy = nullptr;
};

// Appends every problem found: `needs` on an unknown job, a cycle in `needs` (the cycle
// is printed), duplicate step ids, invalid cron, invalid expression syntax (with column),
// references to undefined inputs (`inputs.x` not declared), bad matrix shapes, unknown
// shells, invalid retry patterns (RE2), reusable workflows that do not exist or lack
// `on: workflow_call`, missing required `with:` inputs, cycles of reusable-workflow calls,
// and actions or reusable workflows that the origin policy refuses.
void validate_workflow(const Workflow& workflow, const ValidateOptions& options,
                       Diagnostics& diagnostics);

// Cycles of reusable-workflow calls reachable from `workflow` (a file calling itself, or
// a.yml → b.yml → a.yml), each reported once at the `uses:` of `workflow` that leads into
// it, with the file:line:col of every `uses:` on the cycle. Called files are loaded from
// `repo_root` (nothing is checked when it is empty). Part of validate_workflow; the planner
// calls it too before it expands calls.
void check_call_cycles(const Workflow& workflow, const std::string& repo_root,
                       Diagnostics& diagnostics);

}  // namespace sluice::spec
