#include "cli/policy_options.h"

#include <CLI/CLI.hpp>

namespace sluice::cli {

void add_policy_options(CLI::App& cmd, PolicyOptions& options) {
  cmd.add_option("--allow-action", options.allow,
                 "Allow only actions matching PATTERN (owner/repo, owner/*, owner/repo@sha; "
                 "repeatable; narrows .sluice/policy.yml)");
  cmd.add_option("--deny-action", options.deny,
                 "Refuse actions matching PATTERN (repeatable; see docs/action-policy.md)");
  cmd.add_flag("--require-sha-pinning", options.require_sha_pinning,
               "Refuse remote actions not pinned to a full commit SHA");
}

}  // namespace sluice::cli
