// Re-running a recorded run on this machine: what `sluice rerun` and `sluice run --resume`
// share (cli/rerun_command.cpp).
#pragma once

#include <string>
#include <vector>

#include "cli/action_setup.h"
#include "cli/policy_options.h"

namespace sluice::cli {

struct RerunArgs {
  std::string run;
  bool failed = false;
  // `sluice run --resume`: the run must be unfinished (its process gone) or have ended
  // without success; its cut-short deployments are recovered (deploy/recovery.h) before
  // its failed and unfinished jobs run again (as with `failed`).
  bool resume = false;
  std::vector<std::string> secrets;
  std::string secrets_file;
  int jobs = 0;
  std::string data_dir = ".sluice";
  PolicyOptions policy;
  std::string container_engine;
  ActionArgs actions;
};

// Runs `args.run` again as a new run that records `rerun_of`; returns the exit code of
// `sluice run` (docs/cli.md). `command` names the command in messages ("rerun", "run").
int rerun_recorded(const RerunArgs& args, const char* command);

}  // namespace sluice::cli
