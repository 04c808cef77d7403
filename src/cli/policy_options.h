// The action origin policy flags shared by validate, plan, run and rerun
// (runner/policy_options.h says how they combine with the repository's policy file).
#pragma once

#include "runner/policy_options.h"

namespace CLI {
class App;
}

namespace sluice::cli {

using runner::load_action_policy;
using runner::PolicyOptions;

// Adds --allow-action, --deny-action (both repeatable) and --require-sha-pinning to `cmd`.
void add_policy_options(CLI::App& cmd, PolicyOptions& options);

}  // namespace sluice::cli
