// Starting one step process the way the executor needs it: its own session and process
// group (so a cancel reaches every descendant, and the terminal's Ctrl-C reaches only
// sluice, which decides what to stop), stdin from /dev/null, stdout and stderr merged into
// one non-blocking pipe, and a pidfd that becomes readable when it exits (so exits are
// seen by poll() without SIGCHLD handlers or waitpid(-1), which could steal other
// components' children). Linux ≥ 5.3 (pidfd_open).
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

#include "core/result.h"

namespace sluice::exec {

struct ChildProcess {
  pid_t pid = -1;      // also the session and process group id
  int pidfd = -1;      // readable once the process has exited
  int output_fd = -1;  // read end of the stdout+stderr pipe, O_NONBLOCK | O_CLOEXEC
};

// Spawns `executable` with `args` (argv[0] included) and exactly `env` ("K=V" strings) in
// `working_directory` ("" = inherit). Signals the parent ignores or blocks are reset to
// their defaults in the child. On error nothing is left running and no fd is leaked.
Result<ChildProcess> spawn_child(const std::string& executable,
                                 const std::vector<std::string>& args,
                                 const std::vector<std::string>& env,
                                 const std::string& working_directory);

// This process's environment as a map (what the steps inherit, and what a container engine
// needs: PATH, HOME, CONTAINERS_CONF, ...).
std::map<std::string, std::string> process_environment();

}  // namespace sluice::exec
