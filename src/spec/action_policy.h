// Action origin policy: which actions and reusable workflows from other repositories a
// workflow may use. Read from `.sluice/policy.yml` and from the command line
// (`--allow-action`, `--deny-action`, `--require-sha-pinning`); docs/action-policy.md is
// the user's description.
//
//   actions:
//     allow: [actions/*, myorg/*, owner/repo@<40-hex sha>]   # absent: everything allowed
//     deny: [evil/*]                                          # wins over allow
//     require-sha-pinning: true                               # refs must be full commit SHAs
//
// A pattern is NAME or NAME@REF. NAME is matched against `owner/repo[/path]` without case,
// REF against the ref as written; `*` matches any characters (also '/'). Without `@REF`, any
// ref matches. `docker://IMAGE...` patterns match `uses: docker://...` the same way.
//
// What the policy judges, and what it leaves alone (the "why" is in docs/action-policy.md):
// - remote actions, remote reusable workflows and docker:// images: every rule;
// - local actions and workflows (`./...`): never (they are part of the repository);
// - sluice's built-ins (`sluice/*`): the deny list only (their code is in the binary, so
//   there is no ref to pin and nothing to fetch). `actions/checkout` is judged like any
//   remote action, as GitHub would, although sluice runs it built in.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/diagnostic.h"
#include "spec/action_ref.h"

namespace sluice::spec {

struct PolicyRule {
  std::string pattern;
  SourcePos pos;  // in the policy file; file "" for a command-line flag
};

// One source of rules: the policy file or the command line. An action must pass every
// source (ActionPolicy::sources): a source can only narrow what another allows.
struct PolicySource {
  std::string name;  // ".sluice/policy.yml" (as shown in messages), or "" for the command line
  std::optional<std::vector<PolicyRule>> allow;  // nullopt: no allow list, everything allowed
  SourcePos allow_pos;
  std::vector<PolicyRule> deny;
  bool require_sha_pinning = false;
  SourcePos require_sha_pinning_pos;
};

struct ActionPolicy {
  std::vector<PolicySource> sources;
  bool empty() const { return sources.empty(); }
};

// Why the policy refuses a `uses:` (message without position, and a one-line hint).
struct PolicyRefusal {
  std::string message;
  std::string hint;
};

// The policy's verdict on one `uses:`; nullopt when allowed.
std::optional<PolicyRefusal> check_action_policy(const ActionPolicy& policy, const ActionRef& ref);

// True when `pattern` (NAME or NAME@REF, see above) matches `ref`.
bool policy_pattern_matches(std::string_view pattern, const ActionRef& ref);

// Why `pattern` cannot be a policy pattern ("" when it can).
std::string policy_pattern_problem(std::string_view pattern);

// Parses a policy file's text; every problem is reported with file:line:col. nullopt when
// it has errors. `display_name` names the file in verdicts (".sluice/policy.yml").
std::optional<PolicySource> load_policy_text(std::string_view text, const std::string& file,
                                             const std::string& display_name,
                                             Diagnostics& diagnostics);

// `<repo_root>/.sluice/policy.yml`: nullopt (and no diagnostic) when it does not exist.
std::optional<PolicySource> load_policy_file(const std::string& repo_root,
                                             Diagnostics& diagnostics);

// The path of the policy file inside a repository.
constexpr std::string_view kPolicyFile = ".sluice/policy.yml";

}  // namespace sluice::spec
