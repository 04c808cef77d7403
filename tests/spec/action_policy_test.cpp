// spec/action_policy: patterns, verdicts, the policy file parser, and the walk over a
// workflow's `uses:` (with local composite actions and local reusable workflows).
#include "spec/action_policy.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "loader_test_util.h"
#include "spec/validator.h"
#include "spec/workflow_loader.h"

namespace sluice::spec {
namespace {

ActionRef ref(std::string_view uses) {
  auto parsed = parse_action_ref(uses);
  EXPECT_TRUE(parsed.ok()) << uses;
  return parsed.ok() ? *parsed : ActionRef{};
}

PolicySource file_policy(const std::string& text, Diagnostics& d) {
  auto source = load_policy_text(text, "/repo/.sluice/policy.yml", ".sluice/policy.yml", d);
  EXPECT_TRUE(source) << d.format();
  return source ? *source : PolicySource{};
}

std::string verdict(const ActionPolicy& policy, std::string_view uses) {
  auto refusal = check_action_policy(policy, ref(uses));
  return refusal ? refusal->message : "";
}

TEST(ActionPolicy, PatternsMatchNameWithoutCaseAndRefExactly) {
  EXPECT_TRUE(policy_pattern_matches("actions/*", ref("actions/checkout@v4")));
  EXPECT_TRUE(policy_pattern_matches("actions/*", ref("Actions/cache/restore@v4")));
  EXPECT_FALSE(policy_pattern_matches("actions/*", ref("actionsx/cache@v4")));
  EXPECT_TRUE(policy_pattern_matches("space-org*/*", ref("space-org-x/tool@v1")));
  EXPECT_TRUE(policy_pattern_matches("o/r", ref("o/r@main")));
  EXPECT_FALSE(policy_pattern_matches("o/r", ref("o/r/sub@main")));
  EXPECT_TRUE(policy_pattern_matches("o/r@v1", ref("o/r@v1")));
  EXPECT_FALSE(policy_pattern_matches("o/r@v1", ref("o/r@V1")));
  EXPECT_TRUE(policy_pattern_matches("o/r@v1.*", ref("o/r@v1.2.3")));
  EXPECT_TRUE(policy_pattern_matches("*", ref("any/thing/deep@x")));
  EXPECT_TRUE(policy_pattern_matches("o/*", ref("o/ci/.github/workflows/b.yml@v1")));
  EXPECT_TRUE(policy_pattern_matches("docker://alpine*", ref("docker://alpine:3.19")));
  EXPECT_FALSE(policy_pattern_matches("*", ref("docker://alpine:3.19")));
  EXPECT_FALSE(policy_pattern_matches("docker://*", ref("o/r@v1")));
  EXPECT_FALSE(policy_pattern_matches("*", ref("./local")));
}

TEST(ActionPolicy, MalformedPatterns) {
  EXPECT_EQ(policy_pattern_problem(""), "is empty");
  EXPECT_EQ(policy_pattern_problem("actions"), "does not name 'owner/repo' (or '*')");
  EXPECT_EQ(policy_pattern_problem("o/r@"), "has an empty ref");
  EXPECT_EQ(policy_pattern_problem("o/r@a@b"), "has more than one '@'");
  EXPECT_EQ(policy_pattern_problem("a b/c"), "contains spaces");
  EXPECT_NE(policy_pattern_problem("./x").find("local path"), std::string::npos);
  EXPECT_EQ(policy_pattern_problem("o/r@0123"), "");
}

TEST(ActionPolicy, DenyWinsAndNamesTheRuleWithItsLine) {
  Diagnostics d;
  ActionPolicy policy{{file_policy(R"(actions:
  allow:
    - actions/*
    - evil/*
  deny: [evil/*]
)",
                                   d)}};
  EXPECT_EQ(verdict(policy, "evil/x@v1"),
            "action 'evil/x@v1' is denied by .sluice/policy.yml:5 (deny: evil/*)");
  EXPECT_EQ(verdict(policy, "actions/checkout@v4"), "");
  EXPECT_EQ(
      verdict(policy, "other/x@v1"),
      "action 'other/x@v1' is not allowed by .sluice/policy.yml:2 (allow: actions/*, evil/*)");
  auto refusal = check_action_policy(policy, ref("other/x@v1"));
  ASSERT_TRUE(refusal);
  EXPECT_EQ(refusal->hint, "add 'other/x' to 'allow' in .sluice/policy.yml if it is trusted");
}

TEST(ActionPolicy, ShaPinning) {
  Diagnostics d;
  ActionPolicy policy{{file_policy("actions:\n  require-sha-pinning: true\n", d)}};
  EXPECT_EQ(verdict(policy, "actions/checkout@v4"),
            "action 'actions/checkout@v4' is not pinned to a full commit SHA, as "
            ".sluice/policy.yml:2 (require-sha-pinning: true) requires");
  EXPECT_EQ(verdict(policy, "actions/checkout@8f4b7f84864484a7bf31766abe9204da3cbe65b3"), "");
  EXPECT_EQ(verdict(policy, "o/ci/.github/workflows/b.yml@main"),
            "reusable workflow 'o/ci/.github/workflows/b.yml@main' is not pinned to a full "
            "commit SHA, as .sluice/policy.yml:2 (require-sha-pinning: true) requires");
  EXPECT_EQ(verdict(policy, "docker://alpine:3"),
            "image 'docker://alpine:3' is not pinned to a digest, as .sluice/policy.yml:2 "
            "(require-sha-pinning: true) requires");
  EXPECT_EQ(verdict(policy, "docker://alpine@sha256:0123abcd"), "");
}

TEST(ActionPolicy, LocalAndBuiltInActions) {
  Diagnostics d;
  ActionPolicy policy{{file_policy(R"(actions:
  allow: []
  deny: [sluice/deploy]
  require-sha-pinning: true
)",
                                   d)}};
  EXPECT_EQ(verdict(policy, "./"), "");
  EXPECT_EQ(verdict(policy, "./.github/actions/x"), "");
  EXPECT_EQ(verdict(policy, "sluice/scan@v1"), "");  // built in: neither allow list nor pin
  EXPECT_EQ(verdict(policy, "sluice/deploy@v1"),
            "action 'sluice/deploy@v1' is denied by .sluice/policy.yml:3 (deny: sluice/deploy)");
  // actions/checkout is judged like any remote action, as on GitHub.
  EXPECT_EQ(verdict(policy, "actions/checkout@v4"),
            "action 'actions/checkout@v4' is not allowed by .sluice/policy.yml:2 (allow: nothing)");
}

TEST(ActionPolicy, EverySourceMustPass) {
  Diagnostics d;
  PolicySource flags;  // the command line
  flags.allow = std::vector<PolicyRule>{{"actions/*", {}}};
  flags.deny = {{"actions/cache", {}}};
  ActionPolicy policy{{file_policy("actions: {allow: ['*']}\n", d), flags}};
  EXPECT_EQ(verdict(policy, "myorg/x@v1"),
            "action 'myorg/x@v1' is not allowed by --allow-action (actions/*)");
  EXPECT_EQ(verdict(policy, "actions/cache@v4"),
            "action 'actions/cache@v4' is denied by --deny-action actions/cache");
  EXPECT_EQ(verdict(policy, "actions/setup-go@v5"), "");
  flags = {};
  flags.require_sha_pinning = true;
  policy.sources[1] = flags;
  EXPECT_EQ(verdict(policy, "actions/setup-go@v5"),
            "action 'actions/setup-go@v5' is not pinned to a full commit SHA, as "
            "--require-sha-pinning requires");
}

TEST(ActionPolicy, FileErrorsHavePositions) {
  Diagnostics d;
  auto source = load_policy_text(R"(actions:
  allow: [actions/*, 'bad pattern', actions]
  denny: [x/*]
  require-sha-pinning: maybe
rules: {}
)",
                                 "p.yml", ".sluice/policy.yml", d);
  EXPECT_FALSE(source);
  EXPECT_DIAG(d, "pattern 'bad pattern' in 'actions.allow' contains spaces", 2, 22);
  EXPECT_DIAG(d, "pattern 'actions' in 'actions.allow' does not name 'owner/repo'", 2, 37);
  EXPECT_DIAG(d, "unknown key 'denny'", 3, 3);
  EXPECT_HINT(d, "unknown key 'denny'", "deny");
  EXPECT_DIAG(d, "'actions.require-sha-pinning'", 4, 24);
  EXPECT_DIAG(d, "unknown key 'rules'", 5, 1);
  Diagnostics yaml;
  EXPECT_FALSE(load_policy_text("actions: [", "p.yml", "p", yaml));
  EXPECT_TRUE(yaml.has_errors());
  EXPECT_EQ(yaml.items()[0].pos.file, "p.yml");
  Diagnostics empty;
  auto none = load_policy_text("", "p.yml", "p", empty);
  ASSERT_TRUE(none) << empty.format();
  EXPECT_FALSE(none->allow);
}

// The walk: steps and jobs of the workflow, local composite actions and local reusable
// workflows they reach, each refusal at the position of the `uses:` that names it.
TEST(ActionPolicy, ValidationWalksLocalActionsAndCalledWorkflows) {
  namespace fs = std::filesystem;
  fs::path root = fs::temp_directory_path() / ("sluice-policy-" + std::to_string(::getpid()));
  fs::create_directories(root / ".github/workflows");
  fs::create_directories(root / "act");
  std::ofstream(root / "act/action.yml") << R"(name: composite
runs:
  using: composite
  steps:
    - uses: evil/inner@v1
    - uses: ./act
)";
  std::ofstream(root / ".github/workflows/called.yml") << R"(on: workflow_call
jobs:
  c:
    runs-on: x
    steps:
      - uses: evil/called@v1
)";
  Diagnostics d;
  ActionPolicy policy{{file_policy("actions: {deny: ['evil/*']}\n", d)}};
  Diagnostics load;
  auto wf = load_workflow_text(R"(on: push
jobs:
  a:
    runs-on: x
    steps:
      - uses: evil/x@v1
      - uses: ./act
      - uses: actions/checkout@v4
  b:
    uses: ./.github/workflows/called.yml
)",
                               "ci.yml", load);
  ASSERT_TRUE(wf);
  ValidateOptions options{root.string()};
  options.policy = &policy;
  validate_workflow(*wf, options, d);
  fs::remove_all(root);
  EXPECT_DIAG(d, "action 'evil/x@v1' is denied by .sluice/policy.yml:1 (deny: evil/*)", 6, 15);
  EXPECT_DIAG(d,
              "action 'evil/inner@v1' is denied by .sluice/policy.yml:1 (deny: evil/*) (in local "
              "action './act', used at ci.yml:7:15)",
              5, 13);
  EXPECT_DIAG(d,
              "action 'evil/called@v1' is denied by .sluice/policy.yml:1 (deny: evil/*) (in "
              "reusable workflow './.github/workflows/called.yml', used at ci.yml:10:11)",
              6, 15);
  EXPECT_EQ(d.error_count(), 3u) << d.format();
}

}  // namespace
}  // namespace sluice::spec
