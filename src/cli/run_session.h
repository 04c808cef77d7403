// `sluice run` and `sluice rerun` on a terminal: the runner (runner/workflow_runner.h) with
// the command line's secrets, progress printer and Ctrl-C handling.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "runner/workflow_runner.h"

namespace sluice::cli {

using runner::RunSession;
using runner::WorkflowOutcome;
using runner::WorkflowRun;

// Reads --secret values and the --secrets-file into a session's secrets and masker; opens
// the store in `data_dir`, takes the owner lock and recovers from crashed runs. Errors
// are printed as `sluice COMMAND: ...`; the result is then null and `exit_code` says why
// (kExitNotRecorded when the store cannot be opened, kExitInvalid otherwise).
std::unique_ptr<RunSession> open_run_session(const char* command,
                                             const std::filesystem::path& data_dir,
                                             const std::vector<std::string>& secret_args,
                                             const std::string& secrets_file, int& exit_code);

// Runs `run` with progress on stdout, problems on stderr, and Ctrl-C / SIGTERM cancelling
// it (cli/interrupts.h; install_interrupt_handlers() first).
WorkflowOutcome run_on_terminal(RunSession& session, const WorkflowRun& run);

// The exit code of a command that ran `outcome` (docs/cli.md): 3 before 130 before 1.
int exit_code_of(const WorkflowOutcome& outcome);

}  // namespace sluice::cli
