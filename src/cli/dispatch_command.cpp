// `sluice dispatch PROJECT WORKFLOW [-i NAME=VALUE]... [--ref BRANCH] [--wait]` and
// `sluice cancel RUN`: the commands that only a controller can carry out (--server URL or
// SLUICE_SERVER; cli/remote_commands.h). A local run is cancelled where it runs: Ctrl-C
// in its terminal, or a signal to its `sluice run` process, which `sluice cancel` without
// --server sends (below).
#include <signal.h>

#include <CLI/CLI.hpp>
#include <charconv>
#include <iostream>
#include <memory>

#include "cli/api_client.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/remote_commands.h"
#include "cli/run_lookup.h"
#include "store/run_owner.h"

namespace sluice::cli {
namespace {

std::string needs_server(const char* command) {
  return std::string("sluice ") + command +
         ": error: needs a controller: pass --server URL (or set SLUICE_SERVER)\n";
}

// Cancels a local run by sending SIGINT to the `sluice run` (or `rerun`) process that owns
// it, as Ctrl-C in its terminal would: that process cancels its run the way GitHub does.
int cancel_local(const std::string& data_dir, const std::string& run_text) {
  std::unique_ptr<store::SqliteStore> history;
  auto detail = load("cancel", data_dir, run_text, history);
  if (!detail) return kExitInvalid;
  const engine::RunRecord& run = detail->run;
  if (engine::is_terminal(run.status)) {
    std::cerr << "sluice cancel: error: run " << run.id << " has already finished ("
              << engine::to_string(run.status) << ")\n";
    return kExitInvalid;
  }
  // The owner token is "<pid>:<start ticks>": the start time guards against a reused pid.
  int pid = 0;
  unsigned long long start = 0;
  size_t colon = run.owner.find(':');
  bool parsed =
      colon != std::string::npos &&
      std::from_chars(run.owner.data(), run.owner.data() + colon, pid).ec == std::errc() &&
      std::from_chars(run.owner.data() + colon + 1, run.owner.data() + run.owner.size(), start)
              .ec == std::errc();
  if (!parsed || pid <= 0 || store::process_start_ticks(pid) != start) {
    std::cerr << "sluice cancel: error: the process running run " << run.id
              << " is not on this machine or has ended\n";
    return kExitInvalid;
  }
  if (::kill(pid, SIGINT) != 0) {
    std::cerr << "sluice cancel: error: cannot signal process " << pid << "\n";
    return kExitFailure;
  }
  std::cout << "cancelling run " << run.id << " (sent SIGINT to sluice process " << pid << ")\n";
  return kExitOk;
}

}  // namespace

void add_dispatch_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand(
      "dispatch", "Start a workflow_dispatch run on a controller (sluice serve) and print its id");
  struct Args {
    DispatchArgs dispatch;
    ServerArgs server;
  };
  auto args = std::make_shared<Args>();
  cmd->add_option("PROJECT", args->dispatch.project, "The controller's project")->required();
  cmd->add_option("WORKFLOW", args->dispatch.workflow,
                  "Workflow file (e.g. ci.yml or .github/workflows/ci.yml)")
      ->required();
  cmd->add_option("-i,--input", args->dispatch.inputs,
                  "Input NAME=VALUE (repeatable; typed by the workflow's declaration)");
  cmd->add_option("--ref", args->dispatch.ref, "Branch to run on (default: the project's)");
  cmd->add_flag("--wait", args->dispatch.wait,
                "Follow the run (its logs) to its end and exit as `sluice run` does");
  add_server_options(cmd, args->server);
  cmd->callback([&exit_code, args] {
    if (args->server.server.empty()) {
      std::cerr << needs_server("dispatch");
      exit_code = kExitInvalid;
      return;
    }
    exit_code = remote_dispatch(args->server, args->dispatch);
  });
}

void add_cancel_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("cancel", "Cancel a run that is in progress");
  struct Args {
    std::string run;
    std::string data_dir = ".sluice";
    ServerArgs server;
  };
  auto args = std::make_shared<Args>();
  cmd->add_option("RUN", args->run, "Run id (see `sluice runs`) or 'latest'")->required();
  cmd->add_option("--data-dir", args->data_dir, "Run history directory")->capture_default_str();
  add_server_options(cmd, args->server);
  cmd->callback([&exit_code, args] {
    exit_code = args->server.server.empty() ? cancel_local(args->data_dir, args->run)
                                            : remote_cancel(args->server, args->run);
  });
}

}  // namespace sluice::cli
