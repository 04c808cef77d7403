// The run's workspace as it travels to an agent: an uncompressed tar made with the
// system's `tar` (docs/agent-protocol.md, "Workspace").
#pragma once

#include <string>
#include <vector>

#include "core/result.h"

namespace sluice::agent {

// Writes the contents of `dir` (not the directory itself) to the tar file `archive`.
Status create_workspace_archive(const std::string& dir, const std::string& archive);
// Unpacks `archive` into `dir` (created). Members are kept inside `dir`: GNU tar drops
// leading '/' and refuses '..' members by default; ownership is not restored.
Status extract_workspace_archive(const std::string& archive, const std::string& dir);

// Runs `argv` (argv[0] looked up in PATH) with stdin from /dev/null and waits for it.
// The error holds the exit status and the first lines it printed.
Status run_tool(const std::vector<std::string>& argv);

}  // namespace sluice::agent
