// The git CLI runner moved to core/ (the trigger poller uses it too); the action fetcher
// keeps its names.
#pragma once

#include "core/git_command.h"

namespace sluice::actions {

using sluice::git_error_line;
using sluice::GitOutput;
using sluice::run_git;

}  // namespace sluice::actions
