// Semantic validation of a loaded workflow: the checks that need more than one node.
#pragma once

#include <string>

#include "core/diagnostic.h"
#include "spec/workflow.h"

namespace sluice::spec {

struct ValidateOptions {
  // Repository root, used to load reusable workflows (`uses: ./.github/workflows/x.yml`)
  // and local actions (`uses: ./path`) and check their inputs. Empty: skip those checks.
  std::string repo_root;
};

// Appends every problem found: `needs` on an unknown job, a cycle in `needs` (the cycle
// is printed), duplicate step ids, invalid cron, invalid expression syntax (with column),
// references to undefined inputs (`inputs.x` not declared), bad matrix shapes, unknown
// shells, invalid retry patterns (RE2), reusable workflows that do not exist or lack
// `on: workflow_call`, missing required `with:` inputs.
void validate_workflow(const Workflow& workflow, const ValidateOptions& options,
                       Diagnostics& diagnostics);

}  // namespace sluice::spec
