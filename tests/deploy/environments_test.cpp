#include "deploy/environments.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace sluice::deploy {
namespace {

using ::testing::ElementsAre;

std::optional<EnvironmentsFile> parse(const std::string& yaml, Diagnostics& diagnostics) {
  return parse_environments(yaml, "/repo/.sluice/environments.yml", diagnostics);
}

TEST(EnvironmentsTest, ReadsTheIssuesShape) {
  Diagnostics d;
  auto file = parse(R"(
environments:
  production:
    reviewers: [alice, ops-team]
    required-approvals: 1
    prevent-self-review: true
    wait-timer: 5
    branches: [main, 'release/*']
    health-gates: [aws-eu-west-1]
    concurrency: 1
    url: https://example.com
    vars: {REGION: eu-west-1}
    secrets-file: production.env
  staging:
health-gates:
  aws-eu-west-1: {source: aws-health, region: [eu-west-1, global], interval: 30s}
reviewer-groups:
  ops-team: [carol, dave]
)",
                    d);
  ASSERT_TRUE(file) << d.format();
  const EnvironmentSpec* prod = file->find("production");
  ASSERT_NE(prod, nullptr);
  EXPECT_THAT(prod->reviewers, ElementsAre("alice", "ops-team"));
  EXPECT_EQ(prod->required_approvals, 1);
  EXPECT_TRUE(prod->prevent_self_review);
  EXPECT_EQ(prod->wait_timer_ms, 5 * 60'000);
  EXPECT_THAT(prod->branches, ElementsAre("main", "release/*"));
  EXPECT_THAT(prod->health_gates, ElementsAre("aws-eu-west-1"));
  EXPECT_EQ(prod->concurrency, 1);
  EXPECT_EQ(prod->url, "https://example.com");
  EXPECT_EQ(prod->vars.at("REGION"), "eu-west-1");
  EXPECT_EQ(prod->secrets_file, "/repo/.sluice/production.env");
  EXPECT_EQ(prod->approval_timeout_ms, kDefaultApprovalTimeoutMs);
  const EnvironmentSpec* staging = file->find("staging");
  ASSERT_NE(staging, nullptr);
  EXPECT_EQ(staging->required_approvals, 0);
  EXPECT_EQ(file->health_gates.at("aws-eu-west-1").inputs.at("region"), "eu-west-1,global");
  EXPECT_EQ(file->health_gates.at("aws-eu-west-1").inputs.at("interval"), "30s");
  EXPECT_THAT(file->reviewer_groups.at("ops-team"), ElementsAre("carol", "dave"));
  EXPECT_EQ(file->find("nowhere"), nullptr);
}

TEST(EnvironmentsTest, ReviewersImplyOneApprovalAndDurationsTakeUnits) {
  Diagnostics d;
  auto file = parse(R"(
environments:
  a: {reviewers: bob, wait-timer: 30s, approval-timeout: 2h}
  b: {reviewers: [bob], required-approvals: 0, wait-timer: 1.5, approval-timeout: 7d}
)",
                    d);
  ASSERT_TRUE(file) << d.format();
  EXPECT_EQ(file->find("a")->required_approvals, 1);
  EXPECT_EQ(file->find("a")->wait_timer_ms, 30'000);
  EXPECT_EQ(file->find("a")->approval_timeout_ms, 2 * 3600'000);
  EXPECT_EQ(file->find("b")->required_approvals, 0);
  EXPECT_EQ(file->find("b")->wait_timer_ms, 90'000);
  EXPECT_EQ(file->find("b")->approval_timeout_ms, 7LL * 86400'000);
}

// Every problem of the file at once, each at its place with a hint.
TEST(EnvironmentsTest, ReportsEveryProblemWithItsPlace) {
  Diagnostics d;
  auto file = parse(R"(environments:
  production:
    reviewer: [alice]
    required-approvals: 2
    wait-timer: soon
    health-gates: [aws]
    secrets: {A: b}
notifications:
  - {url: https://hooks.example.com/x, on: [failure, explosion]}
)",
                    d);
  EXPECT_FALSE(file);
  EXPECT_EQ(d.format(),
            "/repo/.sluice/environments.yml:3:5: error: unknown key 'reviewer' in environment "
            "'production'\n"
            "  hint: did you mean 'reviewers'?\n"
            "/repo/.sluice/environments.yml:5:17: error: expected a duration for 'wait-timer' in "
            "environment 'production', got 'soon'\n"
            "  hint: e.g. 5 (minutes), 30s, 10m, 2h or 7d; at most 30 days\n"
            "/repo/.sluice/environments.yml:6:20: error: environment 'production' names health "
            "gate 'aws', which is not defined\n"
            "  hint: define it under the top-level `health-gates:`\n"
            "/repo/.sluice/environments.yml:7:5: error: secret values do not belong in "
            "environment 'production'\n"
            "  hint: put them in a file named by `secrets-file:` (kept out of git), or give them "
            "to the server\n"
            "/repo/.sluice/environments.yml:4:25: error: environment 'production' requires "
            "approvals but names no reviewers\n"
            "  hint: add `reviewers: [user, group]`\n"
            "/repo/.sluice/environments.yml:9:11: error: a notification url must start with "
            "http://\n"
            "  hint: sluice delivers over plain HTTP (put a TLS proxy in front for https)\n"
            "/repo/.sluice/environments.yml:9:54: error: unknown notification event 'explosion'\n"
            "  hint: failure, recovery, approval, rollback or success\n"
            "/repo/.sluice/environments.yml:9:5: error: a notification needs exactly one of url, "
            "url-secret\n"
            "  hint: url: http://host/hook, or url-secret: NAME of a secret holding the URL\n");
}

TEST(EnvironmentsTest, AnEmptyFileProtectsNothing) {
  Diagnostics d;
  auto file = parse("", d);
  ASSERT_TRUE(file);
  EXPECT_TRUE(file->environments.empty());
  EXPECT_FALSE(parse("- a list", d));
}

TEST(EnvironmentsTest, BranchAndTagPatterns) {
  EnvironmentSpec env;
  EXPECT_TRUE(env.allows_ref("refs/heads/anything"));  // no patterns: any ref
  env.branches = {"main", "release/*"};
  EXPECT_TRUE(env.allows_ref("refs/heads/main"));
  EXPECT_TRUE(env.allows_ref("refs/heads/release/1.2"));
  EXPECT_FALSE(env.allows_ref("refs/heads/release/1.2/hotfix"));
  EXPECT_FALSE(env.allows_ref("refs/heads/feature"));
  EXPECT_FALSE(env.allows_ref("refs/tags/main"));
  EXPECT_FALSE(env.allows_ref(""));
  env.tags = {"v*"};
  EXPECT_TRUE(env.allows_ref("refs/tags/v1.0"));
  EXPECT_FALSE(env.allows_ref("refs/tags/nightly"));
  EnvironmentSpec only_tags;
  only_tags.branches = {"refs/tags/v*"};
  EXPECT_TRUE(only_tags.allows_ref("refs/tags/v2"));
  EXPECT_FALSE(only_tags.allows_ref("refs/heads/main"));
}

TEST(EnvironmentsTest, SecretsFilesAreNameValueLines) {
  std::string path = ::testing::TempDir() + "/envs-secrets.env";
  std::ofstream(path) << "# comment\n\nTOKEN=abc=def\nexport QUOTED=\"with space\"\r\n";
  auto secrets = read_secrets_file(path);
  ASSERT_TRUE(secrets.ok()) << secrets.error().message;
  EXPECT_EQ(secrets->at("TOKEN"), "abc=def");
  EXPECT_EQ(secrets->at("QUOTED"), "with space");
  std::ofstream(path) << "TOKEN=abc\nnot a pair\n";
  auto bad = read_secrets_file(path);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, path + ":2: expected NAME=value");
  EXPECT_FALSE(read_secrets_file(path + ".missing").ok());
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace sluice::deploy
