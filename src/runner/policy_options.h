// The action origin policy options (the flags of validate, plan, run and rerun, or a
// controller's project settings) and the policy they make together with the repository's
// `.sluice/policy.yml` (spec/action_policy.h).
//
// The file and the flags are two sources: an action must pass both. The flags can narrow
// what the file allows (an operator's `--allow-action actions/*` limits a repository whose
// file allows more), never widen it, so a repository cannot loosen an operator's rules and
// the flags cannot silently override a reviewed policy file.
#pragma once

#include <string>
#include <vector>

#include "core/diagnostic.h"
#include "spec/action_policy.h"

namespace sluice::runner {

struct PolicyOptions {
  std::vector<std::string> allow, deny;
  bool require_sha_pinning = false;
};

// `repo_root`'s policy file (when there is one) and the flags (when any is given). A file
// that does not parse, or a malformed pattern in a flag, is reported in `diagnostics`.
spec::ActionPolicy load_action_policy(const std::string& repo_root, const PolicyOptions& options,
                                      Diagnostics& diagnostics);

}  // namespace sluice::runner
