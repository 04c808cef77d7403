// The value of a workflow scalar that may hold `${{ }}`.
#pragma once

#include <string_view>

#include "core/result.h"
#include "expr/expression.h"
#include "spec/workflow.h"

namespace sluice::engine {

// A scalar without `${{` that reads "true"/"false" is a boolean (so `fail-fast: false`
// is false, not the truthy string "false"); numbers stay strings, which coerce to numbers
// where one is needed; anything else is evaluated as a template.
Result<Value> evaluate_scalar(std::string_view text, const expr::EvalContext& ctx);

// The same for a scalar of a workflow or action file; an error is placed in the file.
Result<Value> evaluate_scalar(const spec::Scalar& scalar, const expr::EvalContext& ctx);

// `error`, whose column counts characters of `scalar`'s text (as expression errors do),
// placed in the file: spec::Scalar::pos_at, right inside `|` blocks too.
Error place_in(const spec::Scalar& scalar, Error error);

}  // namespace sluice::engine
