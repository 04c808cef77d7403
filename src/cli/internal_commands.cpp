// Hidden subcommands that sluice runs itself (built-in actions call back into the binary).
#include <CLI/CLI.hpp>
#include <iostream>

#include "actions/deploy_action.h"
#include "actions/health_gate_action.h"
#include "actions/scan_gate.h"
#include "cli/commands.h"

namespace sluice::cli {

void add_internal_commands(CLI::App& app, int& exit_code) {
  auto* gate = app.add_subcommand("__scan-gate", "");  // empty description: hidden from --help
  gate->group("");
  gate->callback([&exit_code] { exit_code = actions::run_scan_gate(std::cout, std::cerr); });
  auto* health = app.add_subcommand("__health-gate", "");
  health->group("");
  health->callback([&exit_code] { exit_code = actions::run_health_gate(std::cout, std::cerr); });
  auto* deploy = app.add_subcommand("__deploy", "");
  deploy->group("");
  deploy->callback([&exit_code] { exit_code = actions::run_deploy(std::cout, std::cerr); });
}

}  // namespace sluice::cli
