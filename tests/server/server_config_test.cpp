#include "server/server_config.h"

#include <gtest/gtest.h>

namespace sluice::server {
namespace {

std::optional<ServerConfig> parse(const std::string& text, Diagnostics& diagnostics,
                                  std::map<std::string, std::string> env = {}) {
  return parse_server_config(text, "/etc/sluice/sluice.yml", diagnostics, &env);
}

TEST(ServerConfigTest, ReadsEveryDocumentedKey) {
  Diagnostics d;
  auto config = parse(R"(
listen: 0.0.0.0:9000
public-url: https://ci.example.com/
data-dir: state
executors: 4
grace: 1m
labels: [gpu]
label-map: {"ubuntu-*": linux}
projects:
  - name: app
    repository: repos/app
    branches: [main, release]
    poll-interval: 30s
    workflow-dir: ci
    secrets: {TOKEN: {env: APP_TOKEN}, PLAIN: abc}
    vars: {REGION: eu}
tokens:
  - {name: bot, role: operate, sha256: 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef}
)",
                      d, {{"APP_TOKEN", "s3cret"}});
  ASSERT_TRUE(config) << d.format();
  EXPECT_EQ(*config->listen, "0.0.0.0:9000");
  EXPECT_EQ(*config->public_url, "https://ci.example.com");
  EXPECT_EQ(*config->data_dir, "/etc/sluice/state");
  EXPECT_EQ(*config->executors, 4);
  EXPECT_EQ(*config->grace_seconds, 60);
  ASSERT_EQ(config->projects.size(), 1u);
  const ProjectConfig& p = config->projects[0];
  EXPECT_EQ(p.repository, "/etc/sluice/repos/app");
  EXPECT_EQ(p.branches, (std::vector<std::string>{"main", "release"}));
  EXPECT_EQ(p.poll_interval_seconds, 30);
  EXPECT_EQ(p.secrets.at("TOKEN"), "s3cret");
  EXPECT_EQ(p.secrets.at("PLAIN"), "abc");
  EXPECT_EQ(p.vars.at("REGION"), "eu");
  ASSERT_EQ(config->tokens.size(), 1u);
  EXPECT_EQ(config->tokens[0].role, Role::kOperate);
  EXPECT_EQ(config->label_map.front(),
            std::make_pair(std::string("ubuntu-*"), std::string("linux")));
}

TEST(ServerConfigTest, ReportsEveryProblemWithItsPosition) {
  Diagnostics d;
  auto config = parse(R"(listen: localhost
executor: 2
projects:
  - name: a b
    repository: x
  - name: c
tokens:
  - {role: root, sha256: nothex}
)",
                      d);
  EXPECT_FALSE(config);
  std::string text = d.format();
  EXPECT_NE(text.find("/etc/sluice/sluice.yml:1:9: error: listen 'localhost' is not ADDR:PORT"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("sluice.yml:2:1: error: unknown key 'executor'"), std::string::npos) << text;
  EXPECT_NE(text.find("did you mean 'executors'"), std::string::npos) << text;
  EXPECT_NE(text.find("sluice.yml:4:11: error: project name 'a b' is not a plain name"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("project 'c' needs a repository"), std::string::npos) << text;
  EXPECT_NE(text.find("role 'root' is not one of"), std::string::npos) << text;
  EXPECT_NE(text.find("sha256 must be 64 lowercase hex digits"), std::string::npos) << text;
}

TEST(ServerConfigTest, AMissingSecretNamesTheVariableNotAValue) {
  Diagnostics d;
  auto config =
      parse("projects:\n  - name: a\n    repository: /r\n    secrets: {K: {env: NOPE}}\n", d);
  EXPECT_FALSE(config);
  EXPECT_NE(d.format().find("secret 'K': environment variable 'NOPE' is not set"),
            std::string::npos);
}

TEST(ServerConfigTest, DuplicateProjectsAndEmptyFiles) {
  Diagnostics d;
  EXPECT_FALSE(
      parse("projects:\n  - {name: a, repository: /r}\n  - {name: a, repository: /s}\n", d));
  EXPECT_NE(d.format().find("project 'a' is defined twice"), std::string::npos);
  Diagnostics empty;
  EXPECT_TRUE(parse("", empty));
}

TEST(ServerConfigTest, PublicUrls) {
  EXPECT_EQ(normalize_public_url("http://127.0.0.1:8080"), "http://127.0.0.1:8080");
  EXPECT_EQ(normalize_public_url("https://ci.example.com/sluice//"),
            "https://ci.example.com/sluice");
  for (const char* bad : {"ci.example.com", "ftp://x", "https://", "https:///path",
                          "https://x/?q=1", "https://x/#top", "http://a b"})
    EXPECT_FALSE(normalize_public_url(bad)) << bad;
  Diagnostics d;
  EXPECT_FALSE(parse("public-url: example.com\n", d));
  EXPECT_NE(d.format().find("1:13"), std::string::npos) << d.format();
}

TEST(ServerConfigTest, ListenAddresses) {
  std::string address;
  uint16_t port = 0;
  EXPECT_TRUE(split_listen_address("127.0.0.1:8080", address, port));
  EXPECT_EQ(port, 8080);
  EXPECT_TRUE(split_listen_address("[::1]:0", address, port));
  EXPECT_EQ(address, "::1");
  EXPECT_TRUE(split_listen_address(":81", address, port));
  EXPECT_EQ(address, "127.0.0.1");
  EXPECT_FALSE(split_listen_address("::1:80", address, port));
  EXPECT_FALSE(split_listen_address("host:99999", address, port));
  EXPECT_FALSE(split_listen_address("host", address, port));
}

}  // namespace
}  // namespace sluice::server
