// The validator's checks, one group per file. Internal to spec/.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/diagnostic.h"
#include "spec/validator.h"
#include "spec/workflow.h"

namespace sluice::spec::detail {

// GitHub's rule for job and step ids: a letter or '_', then letters, digits, '-' or '_'.
bool is_valid_id(std::string_view id);

// Static matrix problems: exclude keys that are not axes, more than kMaxMatrixJobs jobs.
void check_matrix(const Job& job, Diagnostics& diagnostics);

// Syntax of every `${{ }}` where expressions are allowed, the contexts each place may read,
// and references to undefined inputs, needs, steps, matrix axes and jobs.
void check_expressions(const Workflow& workflow, Diagnostics& diagnostics);

// Reusable workflows (`jobs.<id>.uses: ./...`) and local actions (`steps[*].uses: ./...`):
// the file exists, declares `on: workflow_call` / is a valid action, and `with:` passes
// every required input.
void check_calls(const Workflow& workflow, const ValidateOptions& options,
                 Diagnostics& diagnostics);

// The origin policy (options.policy) on every `uses:` of the workflow, and on those of the
// local composite actions and local reusable workflows it reaches (read from repo_root).
void check_action_origins(const Workflow& workflow, const ValidateOptions& options,
                          Diagnostics& diagnostics);

// The names of a job's static matrix axes (axes plus keys added by `include`), or false
// when the matrix is (or contains) an expression and the axes are only known at run time.
bool static_matrix_keys(const Job& job, std::vector<std::string>& keys);

}  // namespace sluice::spec::detail
