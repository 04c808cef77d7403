// The run's workspace as it travels to an agent: an uncompressed tar (docs/agent-protocol.md,
// "Workspace"), made with the system's `tar` and unpacked in-process (libarchive): a `tar`
// process per lease was a third of the process starts of a one-step job on an agent.
#pragma once

#include <string>
#include <vector>

#include "core/result.h"

namespace sluice::agent {

// Writes the contents of `dir` (not the directory itself) to the tar file `archive`.
Status create_workspace_archive(const std::string& dir, const std::string& archive);
// Unpacks `archive` into `dir` (created). Members are kept inside `dir`: a leading '/' is
// dropped, a member naming '..' is refused, nothing is written through a symbolic link
// unpacked before; only files, directories and symbolic links are made; ownership is not
// restored, permission bits are (set-id bits dropped).
Status extract_workspace_archive(const std::string& archive, const std::string& dir);
// The SHA-256 of a file's content, 64 lowercase hex digits.
Result<std::string> file_sha256(const std::string& file);

// Runs `argv` (argv[0] looked up in PATH) with stdin from /dev/null and waits for it.
// The error holds the exit status and the first lines it printed.
Status run_tool(const std::vector<std::string>& argv);

}  // namespace sluice::agent
