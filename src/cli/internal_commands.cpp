// Hidden subcommands that sluice runs itself (built-in actions call back into the binary).
#include <CLI/CLI.hpp>
#include <iostream>

#include "actions/scan_gate.h"
#include "cli/commands.h"
#include "exec/orphan_reaper.h"

namespace sluice::cli {

void add_internal_commands(CLI::App& app, int& exit_code) {
  auto* gate = app.add_subcommand("__scan-gate", "");  // empty description: hidden from --help
  gate->group("");
  gate->callback([&exit_code] { exit_code = actions::run_scan_gate(std::cout, std::cerr); });

  // `sluice run` starts this beside itself to kill its steps' leftovers if it is killed.
  auto token = std::make_shared<std::string>();
  auto* reap = app.add_subcommand("__reap", "");
  reap->group("");
  reap->add_option("token", *token)->required();
  reap->callback([&exit_code, token] { exit_code = exec::run_reaper(0, *token); });
}

}  // namespace sluice::cli
