// workflow_dispatch inputs: the `inputs` context from `--input k=v` values.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/result.h"
#include "core/value.h"
#include "expr/expression.h"
#include "spec/workflow.h"

namespace sluice::plan {

// Types each given value by its declaration (boolean → true/false, number → number,
// choice → one of its options), fills defaults, and reports unknown inputs and missing
// required ones. All problems are reported together in one Error, one per line.
Result<Value> resolve_dispatch_inputs(
    const spec::Workflow& workflow, const std::vector<std::pair<std::string, std::string>>& given);

// The `inputs` context of a called workflow (`on: workflow_call`), as GitHub builds it:
// - each value the caller passed (`with:`, already evaluated) takes its input's type: a
//   number input reads "3" as 3, a boolean input "true"/"false" as true/false; a value that
//   is not of the type is an error;
// - an input not passed takes its `default:`, whose `${{ }}` is evaluated with the github
//   and vars contexts of `caller` and `inputs` holding the values passed; without a
//   default, a boolean is false, a number 0 and a string "" (a required one is an error).
// Inputs the workflow does not declare are left out. Problems are one Error, one per line.
Result<Value> resolve_call_inputs(const spec::Workflow& called, const Value& given,
                                  const expr::EvalContext& caller);

}  // namespace sluice::plan
