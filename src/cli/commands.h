// One function per subcommand: each adds its CLI11 subcommand to the app and sets the
// callback that runs it. The callback stores the exit code in `exit_code`.
#pragma once

namespace CLI {
class App;
}

namespace sluice::cli {

void add_version_command(CLI::App& app, int& exit_code);
void add_scan_command(CLI::App& app, int& exit_code);
void add_history_commands(CLI::App& app, int& exit_code);
void add_artifacts_command(CLI::App& app, int& exit_code);
void add_run_command(CLI::App& app, int& exit_code);
void add_rerun_command(CLI::App& app, int& exit_code);
void add_plan_command(CLI::App& app, int& exit_code);
void add_internal_commands(CLI::App& app, int& exit_code);
void add_validate_command(CLI::App& app, int& exit_code);
void add_dispatch_command(CLI::App& app, int& exit_code);
void add_cancel_command(CLI::App& app, int& exit_code);
void add_serve_command(CLI::App& app, int& exit_code);
void add_token_command(CLI::App& app, int& exit_code);
// approve, reject, deployments (deployment_commands.cpp).
void add_deployment_commands(CLI::App& app, int& exit_code);
// deploy promote|abort|status|recover (deploy_command.cpp).
void add_deploy_command(CLI::App& app, int& exit_code);
void add_agent_command(CLI::App& app, int& exit_code);

}  // namespace sluice::cli
