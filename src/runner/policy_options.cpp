#include "runner/policy_options.h"

namespace sluice::runner {

spec::ActionPolicy load_action_policy(const std::string& repo_root, const PolicyOptions& options,
                                      Diagnostics& diagnostics) {
  spec::ActionPolicy policy;
  if (auto file = spec::load_policy_file(repo_root, diagnostics))
    policy.sources.push_back(std::move(*file));
  if (options.allow.empty() && options.deny.empty() && !options.require_sha_pinning) return policy;
  spec::PolicySource flags;  // name "": verdicts name the flag
  bool ok = true;
  auto read = [&](const std::vector<std::string>& patterns, const char* flag) {
    std::vector<spec::PolicyRule> rules;
    for (const std::string& pattern : patterns) {
      if (std::string problem = spec::policy_pattern_problem(pattern); !problem.empty()) {
        diagnostics.error({}, std::string(flag) + " '" + pattern + "' " + problem,
                          "write 'owner/repo', 'owner/*', 'owner/repo@<sha>' or 'docker://image*'");
        ok = false;
      }
      rules.push_back({pattern, {}});
    }
    return rules;
  };
  if (!options.allow.empty()) flags.allow = read(options.allow, "--allow-action");
  flags.deny = read(options.deny, "--deny-action");
  flags.require_sha_pinning = options.require_sha_pinning;
  if (ok) policy.sources.push_back(std::move(flags));
  return policy;
}

}  // namespace sluice::runner
