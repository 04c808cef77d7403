// workflow_dispatch inputs: the `inputs` context from `--input k=v` values.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/result.h"
#include "core/value.h"
#include "spec/workflow.h"

namespace sluice::plan {

// Types each given value by its declaration (boolean → true/false, number → number,
// choice → one of its options), fills defaults, and reports unknown inputs and missing
// required ones. All problems are reported together in one Error, one per line.
Result<Value> resolve_dispatch_inputs(
    const spec::Workflow& workflow, const std::vector<std::pair<std::string, std::string>>& given);

}  // namespace sluice::plan
