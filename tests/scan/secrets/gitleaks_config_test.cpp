#include "scan/secrets/gitleaks_config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "fake_secrets.h"
#include "scan/secrets/detector.h"

namespace sluice::scan::secrets {
namespace {

using testing::fake;
using testing::kAlnum;

RuleSet parse(const std::string& toml, Diagnostics& diagnostics) {
  return parse_gitleaks_config(toml, "gitleaks.toml", diagnostics);
}

std::vector<std::string> found(RuleSet rules, const std::string& text,
                               const std::string& path = "a.txt", const std::string& commit = "") {
  Detector detector(std::move(rules));
  std::vector<SecretMatch> matches;
  detector.detect(Fragment{path, text, commit, nullptr}, matches);
  std::vector<std::string> ids;
  for (const auto& m : matches) ids.push_back(detector.rules().rules[m.rule_index].id);
  return ids;
}

constexpr const char* kConfig = R"toml(
title = "team config"

[[rules]]
id = "acme-api-key"
description = "ACME API key"
regex = '''acme_(?:live|test)_([a-z0-9]{24})'''
secretGroup = 1
entropy = 3.0
keywords = ["acme_live", "acme_test"]
tags = ["acme"]

  [[rules.allowlists]]
  description = "documented example"
  regexes = ['''^0{24}$''']

  [[rules.allowlists]]
  condition = "AND"
  paths = ['''^tests/''']
  stopwords = ["fixture"]

[[rules]]
id = "acme-legacy"
regex = '''ACME-[A-Z]{10}'''
path = '''\.cfg$'''
  [rules.allowlist]
  regexTarget = "line"
  regexes = ['''legacy-ok''']

[allowlist]
description = "global"
paths = ['''^third_party/''']
commits = ["deadbeef"]
)toml";

TEST(GitleaksConfig, LoadsRulesWithAllFields) {
  Diagnostics diagnostics;
  RuleSet rules = parse(kConfig, diagnostics);
  EXPECT_TRUE(diagnostics.empty()) << diagnostics.format();
  ASSERT_EQ(rules.rules.size(), 2u);
  const SecretRule& acme = rules.rules[0];
  EXPECT_EQ(acme.id, "acme-api-key");
  EXPECT_EQ(acme.description, "ACME API key");
  EXPECT_EQ(acme.secret_group, 1);
  EXPECT_DOUBLE_EQ(acme.entropy, 3.0);
  EXPECT_EQ(acme.keywords, (std::vector<std::string>{"acme_live", "acme_test"}));
  EXPECT_EQ(acme.allowlists.size(), 2u);
  EXPECT_TRUE(acme.allowlists[1].condition_and);
  EXPECT_FALSE(acme.remediation.empty());
  EXPECT_EQ(rules.rules[1].allowlists.size(), 1u);
  EXPECT_EQ(rules.rules[1].allowlists[0].regex_target, RegexTarget::kLine);
  ASSERT_EQ(rules.global_allowlists.size(), 1u);
  EXPECT_EQ(rules.global_allowlists[0].commits, std::vector<std::string>{"deadbeef"});
}

TEST(GitleaksConfig, LoadedRulesDetectAndAllow) {
  Diagnostics diagnostics;
  const std::string key = "acme_live_" + fake("abcdefghijklmnopqrstuvwxyz0123456789", 24);
  EXPECT_EQ(found(parse(kConfig, diagnostics), "k = " + key),
            std::vector<std::string>{"acme-api-key"});
  EXPECT_TRUE(found(parse(kConfig, diagnostics), "k = acme_live_" + std::string(24, '0')).empty());
  // AND allowlist: both the path and the stopword must hold.
  const std::string fixture =
      "acme_test_fixture" + fake("abcdefghijklmnopqrstuvwxyz0123456789", 17);
  EXPECT_TRUE(found(parse(kConfig, diagnostics), fixture, "tests/a.py").empty());
  EXPECT_EQ(found(parse(kConfig, diagnostics), fixture, "src/a.py").size(), 1u);
  // Global allowlist by path and by commit.
  EXPECT_TRUE(found(parse(kConfig, diagnostics), key, "third_party/x.py").empty());
  EXPECT_TRUE(found(parse(kConfig, diagnostics), key, "a.py", "deadbeef").empty());
  // A rule without keywords runs everywhere its path matches; line allowlist.
  EXPECT_EQ(found(parse(kConfig, diagnostics), "ACME-ABCDEFGHIJ", "app.cfg").size(), 1u);
  EXPECT_TRUE(found(parse(kConfig, diagnostics), "ACME-ABCDEFGHIJ", "app.ini").empty());
  EXPECT_TRUE(found(parse(kConfig, diagnostics), "ACME-ABCDEFGHIJ legacy-ok", "app.cfg").empty());
}

TEST(GitleaksConfig, RejectsLookaroundsAndBackreferencesWithRuleIdAndPosition) {
  Diagnostics diagnostics;
  RuleSet rules = parse(R"toml(
[[rules]]
id = "good"
regex = '''good_[a-z]{8}'''

[[rules]]
id = "lookahead"
regex = '''key(?=[0-9]{8})'''

[[rules]]
id = "backref"
regex = '''(["'])[a-z]{8}\1'''
)toml",
                        diagnostics);
  ASSERT_EQ(rules.rules.size(), 1u);
  EXPECT_EQ(rules.rules[0].id, "good");
  ASSERT_EQ(diagnostics.error_count(), 2u) << diagnostics.format();
  const auto& first = diagnostics.items()[0];
  EXPECT_NE(first.message.find("rule lookahead"), std::string::npos) << first.message;
  EXPECT_NE(first.message.find("RE2"), std::string::npos);
  EXPECT_EQ(first.pos.file, "gitleaks.toml");
  EXPECT_EQ(first.pos.line, 8);
  EXPECT_NE(diagnostics.items()[1].message.find("rule backref"), std::string::npos);
  EXPECT_EQ(diagnostics.items()[1].pos.line, 12);
}

TEST(GitleaksConfig, ReportsInvalidFields) {
  Diagnostics diagnostics;
  RuleSet rules = parse(R"toml(
[[rules]]
description = "no id"
regex = "x"

[[rules]]
id = "bad-group"
regex = '''a(b)'''
secretGroup = 3

[[rules]]
id = "nothing"

[[rules]]
id = "bad-entropy"
regex = "x"
entropy = "high"
keywords = "x"

[[rules]]
id = "bad-allowlist"
regex = "x"
  [rules.allowlist]
  condition = "XOR"
  regexTarget = "everything"
)toml",
                        diagnostics);
  EXPECT_TRUE(rules.rules.empty());
  const std::string text = diagnostics.format();
  for (const char* expected :
       {"rule without an id", "secretGroup 3", "needs a regex, a path", "entropy must be",
        "keywords must be", "condition must be", "regexTarget must be"}) {
    EXPECT_NE(text.find(expected), std::string::npos) << expected << "\n" << text;
  }
}

TEST(GitleaksConfig, ReportsTomlSyntaxErrorsWithPosition) {
  Diagnostics diagnostics;
  parse("[[rules]]\nid = \"x\nregex = 1\n", diagnostics);
  ASSERT_EQ(diagnostics.error_count(), 1u);
  EXPECT_EQ(diagnostics.items()[0].pos.line, 2);
  EXPECT_NE(diagnostics.items()[0].message.find("invalid TOML"), std::string::npos);
}

TEST(GitleaksConfig, ExtendUseDefaultAndDisabledRules) {
  Diagnostics diagnostics;
  RuleSet rules = parse(R"toml(
[extend]
useDefault = true
disabledRules = ["jwt"]

[[rules]]
id = "github-pat"
description = "overridden"
regex = '''ghp_[0-9a-zA-Z]{36}'''
keywords = ["ghp_"]
)toml",
                        diagnostics);
  EXPECT_TRUE(diagnostics.empty()) << diagnostics.format();
  EXPECT_GE(rules.rules.size(), 30u);
  int github = 0;
  for (const auto& rule : rules.rules) {
    EXPECT_NE(rule.id, "jwt");
    if (rule.id == "github-pat") {
      ++github;
      EXPECT_EQ(rule.description, "overridden");
    }
  }
  EXPECT_EQ(github, 1);
}

TEST(GitleaksConfig, ExtendPathAndTargetedAllowlists) {
  const auto dir = std::filesystem::temp_directory_path() / "sluice-secrets-extend";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "base.toml")
      << "[[rules]]\nid = \"base-rule\"\nregex = '''BASE-[0-9]{6}'''\n";
  std::ofstream(dir / "team.toml") << R"toml(
[extend]
path = "base.toml"

[[allowlists]]
targetRules = ["base-rule", "missing-rule"]
regexes = ['''^BASE-000000$''']
)toml";
  Diagnostics diagnostics;
  RuleSet rules = load_gitleaks_config((dir / "team.toml").string(), diagnostics);
  ASSERT_EQ(rules.rules.size(), 1u);
  EXPECT_EQ(rules.rules[0].allowlists.size(), 1u);
  EXPECT_EQ(diagnostics.error_count(), 0u);
  ASSERT_EQ(diagnostics.items().size(), 1u);  // warning: unknown target rule
  EXPECT_NE(diagnostics.items()[0].message.find("missing-rule"), std::string::npos);
  EXPECT_EQ(found(std::move(rules), "BASE-123456 BASE-000000").size(), 1u);
  std::filesystem::remove_all(dir);
}

TEST(GitleaksConfig, MissingFileIsAnError) {
  Diagnostics diagnostics;
  load_gitleaks_config("/nonexistent/gitleaks.toml", diagnostics);
  ASSERT_EQ(diagnostics.error_count(), 1u);
  EXPECT_EQ(diagnostics.items()[0].pos.file, "/nonexistent/gitleaks.toml");
}

TEST(GitleaksConfig, UpstreamStyleGenericRuleLoads) {
  // The shape of gitleaks' own generic-api-key rule, minus nothing RE2 lacks.
  Diagnostics diagnostics;
  RuleSet rules = parse(R"toml(
[[rules]]
id = "generic-api-key"
description = "Detected a Generic API Key, potentially exposing access to various services and sensitive operations."
regex = '''(?i)[\w.-]{0,50}?(?:access|auth|(?-i:[Aa]pi|API)|credential|creds|key|passw(?:or)?d|secret|token)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}([\w.=-]{10,150}|[a-z0-9][a-z0-9+/]{11,}={0,3})(?:[\x60'"\s;]|\\[nr]|$)'''
secretGroup = 1
entropy = 3.5
keywords = ["access","api","auth","key","credential","creds","passwd","password","secret","token"]
)toml",
                        diagnostics);
  EXPECT_TRUE(diagnostics.empty()) << diagnostics.format();
  ASSERT_EQ(rules.rules.size(), 1u);
  EXPECT_EQ(found(std::move(rules), "api_key = \"" + fake(kAlnum, 32) + "\"\n").size(), 1u);
}

}  // namespace
}  // namespace sluice::scan::secrets
