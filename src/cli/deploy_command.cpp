// `sluice deploy promote|abort RUN`, `sluice deploy status`, `sluice deploy recover`: talk to
// the deployments of `sluice/deploy@v1` steps through the journal in the data dir
// (docs/deployments.md). The work is in actions/deploy_action.cpp.
#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>

#include "actions/deploy_action.h"
#include "cli/commands.h"

namespace sluice::cli {

void add_deploy_command(CLI::App& app, int& exit_code) {
  struct Args {
    std::string data_dir = ".sluice";
    int64_t run_id = 0;
    std::string environment;
  };
  auto args = std::make_shared<Args>();
  auto* deploy = app.add_subcommand("deploy", "Promote, abort, list or recover deployments");
  deploy->require_subcommand(1);
  for (auto kind : {actions::DeployRequestKind::kPromote, actions::DeployRequestKind::kAbort}) {
    bool promote = kind == actions::DeployRequestKind::kPromote;
    auto* cmd = deploy->add_subcommand(
        promote ? "promote" : "abort",
        promote ? "Let a paused deployment of RUN go on (a canary pause, an inconclusive analysis)"
                : "Stop the deployment of RUN and roll it back");
    cmd->add_option("run", args->run_id, "Run id")->required();
    cmd->add_option("--data-dir", args->data_dir, "Run history directory")->capture_default_str();
    cmd->callback([args, kind, &exit_code] {
      exit_code = actions::request_deploy(args->data_dir, args->run_id, kind, std::cout, std::cerr);
    });
  }
  auto* status = deploy->add_subcommand("status", "List deployments, newest first");
  status->add_option("--env", args->environment, "Only this environment");
  status->add_option("--run", args->run_id, "Only the deployments of this run");
  status->add_option("--data-dir", args->data_dir, "Run history directory")->capture_default_str();
  status->callback([args, &exit_code] {
    exit_code = actions::show_deploy_status(args->data_dir, args->environment, args->run_id,
                                            std::cout, std::cerr);
  });
  auto* recover =
      deploy->add_subcommand("recover", "Roll back deployments whose sluice process died");
  recover->add_option("--env", args->environment, "Only this environment");
  recover->add_option("--data-dir", args->data_dir, "Run history directory")->capture_default_str();
  recover->callback([args, &exit_code] {
    exit_code =
        actions::recover_deployments(args->data_dir, args->environment, std::cout, std::cerr);
  });
}

}  // namespace sluice::cli
