#include "cli/cli.h"

#include <CLI/CLI.hpp>
#include <iostream>

#include "cli/commands.h"

namespace sluice::cli {

void add_version_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("version", "Print the sluice version");
  cmd->callback([&exit_code] {
    std::cout << "sluice 0.1.0\n";
    exit_code = kExitOk;
  });
}

int main(int argc, char** argv) {
  CLI::App app{"sluice: run GitHub-Actions-style workflows on your own machines"};
  app.require_subcommand(1);
  int exit_code = kExitOk;
  add_version_command(app, exit_code);
  add_run_command(app, exit_code);
  add_rerun_command(app, exit_code);
  add_plan_command(app, exit_code);
  add_scan_command(app, exit_code);
  add_history_commands(app, exit_code);
  add_artifacts_command(app, exit_code);
  add_internal_commands(app, exit_code);
  add_validate_command(app, exit_code);
  add_dispatch_command(app, exit_code);
  add_cancel_command(app, exit_code);
  add_serve_command(app, exit_code);
  add_token_command(app, exit_code);
  add_deployment_commands(app, exit_code);
  add_deploy_command(app, exit_code);
  add_agent_command(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? kExitOk : kExitInvalid;
  }
  return exit_code;
}

}  // namespace sluice::cli
