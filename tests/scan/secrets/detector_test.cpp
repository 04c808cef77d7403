#include "scan/secrets/detector.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "fake_secrets.h"
#include "scan/secrets/builtin_rules.h"
#include "scan/secrets/entropy.h"
#include "scan/secrets/keyword_matcher.h"

namespace sluice::scan::secrets {
namespace {

using testing::fake;
using testing::kAlnum;

std::string github_pat(uint32_t seed = 7) {
  return std::string("gh") + "p_" + fake(kAlnum, 36, seed);
}

std::vector<SecretMatch> detect(Detector& detector, std::string_view text,
                                std::string_view path = "src/app.py") {
  std::vector<SecretMatch> out;
  detector.detect(Fragment{path, text, "", nullptr}, out);
  return out;
}

TEST(KeywordMatcher, FindsOverlappingKeywordsCaseInsensitively) {
  KeywordMatcher matcher({"akia", "kia", "TOKEN", ""});
  std::vector<KeywordMatcher::Hit> hits;
  matcher.find_all("xAKIAy tOkEn", hits);
  ASSERT_EQ(hits.size(), 3u);
  EXPECT_EQ(hits[0].keyword, 0u);
  EXPECT_EQ(hits[0].end, 5u);
  EXPECT_EQ(hits[1].keyword, 1u);
  EXPECT_EQ(hits[1].end, 5u);
  EXPECT_EQ(hits[2].keyword, 2u);
  EXPECT_EQ(hits[2].end, 12u);
}

TEST(KeywordMatcher, HandlesArbitraryBytes) {
  KeywordMatcher matcher({"ghp_"});
  std::string text;
  for (int i = 0; i < 256; ++i) text.push_back(static_cast<char>(i));
  text += "GHP_";
  std::vector<KeywordMatcher::Hit> hits;
  matcher.find_all(text, hits);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].end, text.size());
}

TEST(KeywordMatcher, ParallelStreamsMatchNaiveSearchAcrossChunkBoundaries) {
  const std::vector<std::string> keywords = {"token", "ghp_", "-----begin", "aws", "ab"};
  KeywordMatcher matcher(keywords);
  for (size_t size : {4096u, 4099u, 10000u, 65537u}) {
    std::string text = fake("abtokenwsGHP_-", size, static_cast<uint32_t>(size));
    // Plant keywords across each quarter boundary.
    for (size_t q = 1; q < 4; ++q) {
      const size_t boundary = q * (size / 4);
      text.replace(boundary - 5, 10, "-----BEGIN");
      text.replace(boundary + 20 - 2, 5, "TOKEN");
    }
    std::vector<KeywordMatcher::Hit> hits;
    matcher.find_all(text, hits);
    std::vector<std::pair<size_t, uint32_t>> expected, actual;
    std::string lower = text;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (uint32_t k = 0; k < keywords.size(); ++k) {
      for (size_t pos = lower.find(keywords[k]); pos != std::string::npos;
           pos = lower.find(keywords[k], pos + 1)) {
        expected.push_back({pos + keywords[k].size(), k});
      }
    }
    for (const auto& h : hits) actual.push_back({h.end, h.keyword});
    std::sort(expected.begin(), expected.end());
    EXPECT_TRUE(std::is_sorted(actual.begin(), actual.end(),
                               [](const auto& a, const auto& b) { return a.first < b.first; }));
    std::sort(actual.begin(), actual.end());
    EXPECT_EQ(actual, expected) << size;
  }
}

TEST(Entropy, RandomScoresHigherThanWords) {
  EXPECT_DOUBLE_EQ(shannon_entropy(""), 0);
  EXPECT_DOUBLE_EQ(shannon_entropy("aaaa"), 0);
  EXPECT_DOUBLE_EQ(shannon_entropy("abab"), 1);
  EXPECT_GT(shannon_entropy(fake(kAlnum, 40)), 4.5);
  EXPECT_LT(shannon_entropy("password"), 3.0);
}

TEST(Detector, ReportsLineAndColumnOfTheSecret) {
  Detector detector(builtin_rule_set());
  const auto matches = detect(detector, "line one\n\n  token: '" + github_pat() + "'\n");
  ASSERT_EQ(matches.size(), 1u);
  EXPECT_EQ(detector.rules().rules[matches[0].rule_index].id, "github-pat");
  EXPECT_EQ(matches[0].line, 3);
  EXPECT_EQ(matches[0].column, 11);
  EXPECT_EQ(matches[0].secret, github_pat());
}

TEST(Detector, FindsSeveralSecretsOnOneLongLine) {
  Detector detector(builtin_rule_set());
  std::string text = "var a='" + github_pat(1) + "';" + std::string(5000, 'x') + ";var b='" +
                     github_pat(2) + "';\n";
  const auto matches = detect(detector, text);
  ASSERT_EQ(matches.size(), 2u);
  EXPECT_EQ(matches[0].secret, github_pat(1));
  EXPECT_EQ(matches[1].secret, github_pat(2));
  EXPECT_EQ(matches[1].line, 1);
}

TEST(Detector, MapsLinesOfDiffFragments) {
  Detector detector(builtin_rule_set());
  const std::vector<int> line_numbers = {10, 42};
  const std::string text = "nothing here\nx = '" + github_pat() + "'\n";
  std::vector<SecretMatch> out;
  detector.detect(Fragment{"a.py", text, "abc123", &line_numbers}, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].line, 42);
}

TEST(Detector, HonoursInlineAllowComments) {
  Detector detector(builtin_rule_set());
  EXPECT_TRUE(detect(detector, "t = '" + github_pat() + "'  # gitleaks:allow\n").empty());
  EXPECT_TRUE(detect(detector, "t = '" + github_pat() + "'  // sluice:allow\n").empty());
  // The comment only covers its own line.
  EXPECT_EQ(detect(detector, "# sluice:allow\nt = '" + github_pat() + "'\n").size(), 1u);
}

TEST(Detector, AllowCommentCoversEveryLineOfAMultiLineMatch) {
  Detector detector(builtin_rule_set());
  const std::string key =
      "-----BEGIN EC "
      "PRIVATE KEY-----\n" +
      fake(testing::kBase64, 64) +
      "\n-----END EC "
      "PRIVATE KEY----- gitleaks:allow\n";
  EXPECT_TRUE(detect(detector, key).empty());
}

TEST(Detector, EntropyThresholdFiltersLowRandomnessValues) {
  Detector detector(builtin_rule_set());
  EXPECT_TRUE(detect(detector, "password = \"passwordpassword\"\n").empty());
  EXPECT_EQ(detect(detector, "password = \"" + fake(kAlnum, 24) + "\"\n").size(), 1u);
}

TEST(Detector, AssignmentShapesOfTheGenericRule) {
  Detector detector(builtin_rule_set());
  const std::string value = fake(kAlnum, 24, 5);
  for (const std::string& text :
       {"password   =   \"" + value + "\"", "\"password\": \"" + value + "\"",
        "db.password := '" + value + "'", ":client_secret => '" + value + "'",
        "API_KEY: '" + value + "'", "export SECRET_TOKEN='" + value + "'"}) {
    const auto matches = detect(detector, text);
    ASSERT_EQ(matches.size(), 1u) << text;
    EXPECT_EQ(matches[0].secret, value);
  }
  for (const std::string& text :
       {"password = " + value, "check_password(\"" + value + "\")", "token\n= \"" + value + "\""}) {
    EXPECT_TRUE(detect(detector, text).empty()) << text;
  }
}

TEST(Detector, GenericRuleYieldsToSpecificRuleOnSameSecret) {
  Detector detector(builtin_rule_set());
  const auto matches = detect(detector, "api_token = \"" + github_pat() + "\"\n");
  ASSERT_EQ(matches.size(), 1u);
  EXPECT_EQ(detector.rules().rules[matches[0].rule_index].id, "github-pat");
}

TEST(Detector, ScansNonUtf8ContentAsBytes) {
  Detector detector(builtin_rule_set());
  std::string text = "\xff\xfe\xc3(latin1 caf\xe9) t='" + github_pat() + "' \x80\x81\n\xed\xa0\x80";
  const auto matches = detect(detector, text);
  ASSERT_EQ(matches.size(), 1u);
  EXPECT_EQ(matches[0].secret, github_pat());
}

TEST(Detector, RuleAndGlobalAllowlists) {
  RuleSet rules = builtin_rule_set();
  Allowlist allow;
  allow.regexes.push_back(std::move(*compile_pattern("^ghp_0")));
  for (auto& rule : rules.rules) {
    if (rule.id == "github-pat") {
      Allowlist copy;
      copy.regexes.push_back(
          std::move(*compile_pattern("^gh"
                                     "p_Z")));
      rule.allowlists.push_back(std::move(copy));
    }
  }
  Allowlist global;
  global.paths.push_back(std::move(*compile_pattern("^vendor/")));
  rules.global_allowlists.push_back(std::move(global));
  Detector detector(std::move(rules));
  EXPECT_TRUE(detect(detector,
                     "t='gh"
                     "p_Z" +
                         fake(kAlnum, 35) + "'")
                  .empty());
  EXPECT_EQ(detect(detector,
                   "t='gh"
                   "p_Y" +
                       fake(kAlnum, 35) + "'")
                .size(),
            1u);
  EXPECT_TRUE(detect(detector, "t='" + github_pat() + "'", "vendor/lib.js").empty());
}

TEST(Detector, AndConditionNeedsEveryCriterion) {
  RuleSet rules = builtin_rule_set();
  Allowlist allow;
  allow.condition_and = true;
  allow.paths.push_back(std::move(*compile_pattern("^tests/")));
  allow.stopwords = {"zzzz"};
  rules.global_allowlists.push_back(std::move(allow));
  Detector detector(std::move(rules));
  const std::string with_stopword =
      "t='gh"
      "p_zzzz" +
      fake(kAlnum, 32) + "'";
  EXPECT_TRUE(detect(detector, with_stopword, "tests/a.py").empty());
  EXPECT_EQ(detect(detector, with_stopword, "src/a.py").size(), 1u);
  EXPECT_EQ(detect(detector, "t='" + github_pat() + "'", "tests/a.py").size(), 1u);
}

TEST(Detector, RegexTargetLineAndMatch) {
  RuleSet rules = builtin_rule_set();
  for (auto& rule : rules.rules) {
    if (rule.id != "github-pat") continue;
    Allowlist line_allow;
    line_allow.regex_target = RegexTarget::kLine;
    line_allow.regexes.push_back(std::move(*compile_pattern("fixture_ref")));
    rule.allowlists.push_back(std::move(line_allow));
  }
  Detector detector(std::move(rules));
  EXPECT_TRUE(detect(detector, "fixture_ref = '" + github_pat() + "'").empty());
  EXPECT_EQ(detect(detector, "real_ref = '" + github_pat() + "'").size(), 1u);
}

TEST(Detector, PathOnlyRuleReportsTheFile) {
  RuleSet rules;
  SecretRule rule;
  rule.id = "pkcs12-file";
  rule.path = std::move(*compile_pattern(R"(\.p12$)"));
  rules.rules.push_back(std::move(rule));
  Detector detector(std::move(rules));
  EXPECT_EQ(detect(detector, "binaryish", "certs/client.p12").size(), 1u);
  EXPECT_TRUE(detect(detector, "binaryish", "certs/client.pem").empty());
}

TEST(Detector, HugeLineWithManyKeywordsStaysLinear) {
  // 2 MB of "token=" on one line: windows per rule merge, so each regex runs once.
  Detector detector(builtin_rule_set());
  std::string text;
  for (int i = 0; i < 300000; ++i) text += "token=";
  EXPECT_TRUE(detect(detector, text).empty());
}

}  // namespace
}  // namespace sluice::scan::secrets
