#include "cli/action_setup.h"

#include <CLI/CLI.hpp>

namespace sluice::cli {

void add_action_options(CLI::App* cmd, ActionArgs& args) {
  cmd->add_option("--actions-dir", args.actions_dir,
                  "Override copies of actions: DIR/OWNER/REPO/REF (win over fetched ones)");
  cmd->add_option("--action-source", args.sources,
                  "Git base URL to fetch OWNER/REPO from, tried in order (repeatable; default: "
                  "$SLUICE_ACTION_SOURCES, else https://github.com)");
  cmd->add_flag("--offline", args.offline,
                "Use only actions already in the action cache; never contact a source");
}

}  // namespace sluice::cli
