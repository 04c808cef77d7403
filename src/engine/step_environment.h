// The environment of a step's process and the inputs of an action, as GitHub's runner
// builds them.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/result.h"
#include "engine/action_resolver.h"
#include "engine/run_context.h"
#include "expr/expression.h"

namespace sluice::engine {

// The part of sluice's own environment that steps inherit (RunOptions::base_env): all of
// it, as a runner passes its own environment on, except what describes the terminal
// session sluice was started from rather than the machine — the login shell (SHELL: a
// step that runs `$SHELL` must not get the user's zsh or fish), the shell's nesting level
// and its idea of the current and previous directories (PWD, OLDPWD: a step starts in its
// working directory) and `_`. docs/runner-protocol.md lists what is passed and why.
std::map<std::string, std::string> inherited_environment(std::map<std::string, std::string> host);

// Default GITHUB_* / RUNNER_* variables of a step (GitHub's "default environment
// variables"), from the github context and the run options.
std::map<std::string, std::string> default_step_env(const RunOptions& options, const Value& github,
                                                    const std::string& job_id,
                                                    const std::string& action);

// RUNNER_ARCH of this machine as GitHub names it: X64, ARM64, X86, ARM.
const std::string& runner_arch();

// RUNNER_TOOL_CACHE: RunOptions::tool_cache_dir, else a directory under the run's temp dir.
std::string tool_cache_dir(const RunOptions& options);

// INPUT_<NAME> as the runner names it: upper case, spaces replaced by '_'.
std::string input_env_name(const std::string& input);

using ScalarEvaluator = std::function<Result<Value>(const spec::Scalar&, const expr::EvalContext&)>;

// The action's inputs: `with:` values evaluated, defaults (which may hold expressions)
// for the others; an error for a missing required input.
Result<std::map<std::string, std::string>> action_inputs(const ResolvedAction& action,
                                                         const spec::Step& step,
                                                         const expr::EvalContext& ctx,
                                                         const ScalarEvaluator& evaluate);

// PATH with GITHUB_PATH entries in front (newest first).
std::string prepend_path(const std::vector<std::string>& additions, const std::string& path);

}  // namespace sluice::engine
