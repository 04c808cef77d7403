// The command-line side of runner/action_setup.h: the flags that fill an ActionArgs.
#pragma once

#include "runner/action_setup.h"

namespace CLI {
class App;
}

namespace sluice::cli {

using runner::ActionArgs;
using runner::ActionSetup;

// Adds --actions-dir, --action-source and --offline to `cmd`.
void add_action_options(CLI::App* cmd, ActionArgs& args);

}  // namespace sluice::cli
