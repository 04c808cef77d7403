// Running the `git` CLI (the action fetcher, the trigger poller): argv only (no shell), no terminal
// prompt, stdin from /dev/null, stdout and stderr captured.
#pragma once

#include <string>
#include <vector>

#include "core/result.h"

namespace sluice {

struct GitOutput {
  int exit_code = -1;  // 128 + signal when killed by one
  std::string out;
  std::string err;
};

// Runs `git ARGS...`. An error only when git could not be started at all; a failing git
// is a GitOutput with a non-zero exit_code and its stderr.
Result<GitOutput> run_git(const std::vector<std::string>& args);

// git's first "fatal: ..." line (else its last line), for error messages.
std::string git_error_line(const GitOutput& output);

}  // namespace sluice
