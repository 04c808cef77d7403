// The value of a workflow scalar that may hold `${{ }}`.
#pragma once

#include <string_view>

#include "core/result.h"
#include "expr/expression.h"

namespace sluice::engine {

// A scalar without `${{` that reads "true"/"false" is a boolean (so `fail-fast: false`
// is false, not the truthy string "false"); numbers stay strings, which coerce to numbers
// where one is needed; anything else is evaluated as a template.
Result<Value> evaluate_scalar(std::string_view text, const expr::EvalContext& ctx);

}  // namespace sluice::engine
