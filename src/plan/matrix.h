// Matrix expansion with GitHub's rules for axes, `include` and `exclude`.
#pragma once

#include <string>
#include <vector>

#include "core/result.h"
#include "core/value.h"
#include "expr/expression.h"
#include "spec/workflow.h"

namespace sluice::plan {

constexpr size_t kMaxMatrixCombinations = spec::kMaxMatrixJobs;  // per job, as on GitHub

// `matrix` is the evaluated `strategy.matrix` object. Returns one object per job instance,
// in GitHub's order: the cartesian product of the axes (first axis varies slowest), minus
// combinations matching an `exclude` entry (all of whose keys match), then each `include`
// entry either extends every matching combination (when none of its original-axis values
// conflict) or is appended as a new combination.
Result<std::vector<Value>> expand_matrix(const Value& matrix);

// Evaluates every string holding `${{` inside a matrix as written (the whole matrix may
// be one such string, e.g. `${{ fromJSON(needs.setup.outputs.matrix) }}`), and keys as
// GitHub does: `${{ insert }}: <mapping expression>` merges a mapping, another key holding
// `${{ }}` is replaced by its value.
Result<Value> evaluate_matrix(const Value& raw, const expr::EvalContext& ctx);

// The suffix GitHub shows after a matrix job's name: "(ubuntu, 18)" — the values of
// the combination in order, objects shown as JSON-ish text.
std::string matrix_display_suffix(const Value& combination);

}  // namespace sluice::plan
