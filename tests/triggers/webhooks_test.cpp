#include "triggers/webhooks.h"

#include <gtest/gtest.h>

#include <string>

namespace sluice::triggers {
namespace {

constexpr const char* kSecret = "It's a Secret to Everybody";
const std::string kAfter = "1111111111111111111111111111111111111111";
const std::string kBefore = "2222222222222222222222222222222222222222";

std::string github_push(const std::string& ref = "refs/heads/main",
                        const std::string& after = kAfter, const std::string& before = kBefore) {
  return R"({"ref":")" + ref + R"(","before":")" + before + R"(","after":")" + after +
         R"(","repository":{"full_name":"Octo/Hello","clone_url":"https://github.com/Octo/Hello.git"},)"
         R"("head_commit":{"id":")" +
         after +
         R"("},"commits":[{"id":"a","added":["src/a.c"],"removed":[],"modified":["README.md"]},)"
         R"({"id":"b","added":[],"removed":["old.txt"],"modified":["src/a.c"]}]})";
}

HookHeaders github_headers(const std::string& body, const std::string& event = "push") {
  return {{"content-type", "application/json"},
          {"x-github-event", event},
          {"x-github-delivery", "d-1"},
          {"x-hub-signature-256", "sha256=" + webhook_signature_hex(kSecret, body)}};
}

TEST(WebhookSignature, GitHubReferenceVector) {
  EXPECT_EQ(webhook_signature_hex(kSecret, "Hello, World!"),
            "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17");
  HookHeaders headers{{"x-hub-signature-256",
                       "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"}};
  EXPECT_TRUE(verify_webhook(HookProvider::kGitHub, headers, "Hello, World!", "", kSecret));
  EXPECT_FALSE(verify_webhook(HookProvider::kGitHub, headers, "Hello, World?", "", kSecret));
  EXPECT_FALSE(verify_webhook(HookProvider::kGitHub, headers, "Hello, World!", "", "other"));
}

TEST(WebhookSignature, GitHubRejectsMissingMalformedAndEmptySecret) {
  std::string body = "Hello, World!";
  std::string good = "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
  EXPECT_FALSE(verify_webhook(HookProvider::kGitHub, {}, body, body, kSecret));
  EXPECT_FALSE(verify_webhook(HookProvider::kGitHub, {{"x-hub-signature-256", good}}, body, body,
                              kSecret));  // no "sha256=" prefix
  EXPECT_FALSE(verify_webhook(HookProvider::kGitHub,
                              {{"x-hub-signature-256", "sha256=" + good.substr(0, 63)}}, body, body,
                              kSecret));
  EXPECT_FALSE(verify_webhook(HookProvider::kGitHub, {{"x-hub-signature-256", "sha256="}}, body,
                              body, ""));  // an empty secret verifies nothing
  // A legacy SHA-1 signature alone is not enough.
  EXPECT_FALSE(verify_webhook(HookProvider::kGitHub, {{"x-hub-signature", "sha1=abc"}}, body, body,
                              kSecret));
}

TEST(WebhookSignature, GiteaBareHexOverTheJsonOfAFormBody) {
  std::string json = R"({"ref":"refs/heads/main"})";
  std::string form = "payload=%7B%22ref%22%3A%22refs%2Fheads%2Fmain%22%7D";
  HookHeaders headers{{"content-type", "application/x-www-form-urlencoded"},
                      {"x-gitea-signature", webhook_signature_hex(kSecret, json)}};
  auto text = webhook_json_text(headers, form);
  ASSERT_TRUE(text.ok()) << text.error().message;
  EXPECT_EQ(*text, json);
  EXPECT_TRUE(verify_webhook(HookProvider::kGitea, headers, form, *text, kSecret));
  EXPECT_FALSE(verify_webhook(HookProvider::kGitea, headers, form, *text, "wrong"));
  // X-Hub-Signature-256 from Gitea covers the same JSON.
  HookHeaders hub{{"x-hub-signature-256", "sha256=" + webhook_signature_hex(kSecret, json)}};
  EXPECT_TRUE(verify_webhook(HookProvider::kGitea, hub, form, json, kSecret));
  HookHeaders forgejo{{"x-forgejo-signature", webhook_signature_hex(kSecret, json)}};
  EXPECT_TRUE(verify_webhook(HookProvider::kGitea, forgejo, json, json, kSecret));
  EXPECT_FALSE(verify_webhook(HookProvider::kGitea, {}, json, json, kSecret));
}

TEST(WebhookSignature, GitLabTokenIsTheSecret) {
  EXPECT_TRUE(
      verify_webhook(HookProvider::kGitLab, {{"x-gitlab-token", "s3cret"}}, "{}", "{}", "s3cret"));
  EXPECT_FALSE(
      verify_webhook(HookProvider::kGitLab, {{"x-gitlab-token", "s3cre"}}, "{}", "{}", "s3cret"));
  EXPECT_FALSE(verify_webhook(HookProvider::kGitLab, {}, "{}", "{}", "s3cret"));
  EXPECT_FALSE(verify_webhook(HookProvider::kGitLab, {{"x-gitlab-token", ""}}, "{}", "{}", ""));
}

TEST(WebhookBody, FormPayloadIsDecodedAndOthersRefused) {
  HookHeaders form{{"content-type", "application/x-www-form-urlencoded; charset=utf-8"}};
  auto text = webhook_json_text(form, "x=1&payload=%7B%22a%22%3A%22b+c%22%7D&y=2");
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, R"({"a":"b c"})");
  EXPECT_FALSE(webhook_json_text(form, "x=1").ok());
  EXPECT_FALSE(webhook_json_text({{"content-type", "text/plain"}}, "{}").ok());
  EXPECT_FALSE(webhook_json_text({{"content-type", "application/json"}},
                                 std::string(kMaxWebhookBody + 1, ' '))
                   .ok());
}

TEST(WebhookParse, GitHubPushGivesTheEventWithChangedPaths) {
  std::string body = github_push();
  auto delivery = parse_webhook(HookProvider::kGitHub, github_headers(body), body);
  ASSERT_TRUE(delivery.ok()) << delivery.error().message;
  EXPECT_EQ(delivery->kind, HookKind::kPush);
  EXPECT_EQ(delivery->delivery_id, "d-1");
  EXPECT_EQ(delivery->repository_ids, (std::vector<std::string>{"octo/hello"}));
  ASSERT_TRUE(delivery->push);
  EXPECT_EQ(delivery->push->name, "push");
  EXPECT_EQ(delivery->push->ref, "refs/heads/main");
  EXPECT_EQ(delivery->push->sha, kAfter);
  ASSERT_TRUE(delivery->push->changed_paths);
  EXPECT_EQ(*delivery->push->changed_paths,
            (std::vector<std::string>{"src/a.c", "README.md", "old.txt"}));
  EXPECT_EQ(delivery->push->payload.get("after").as_string(), kAfter);
}

TEST(WebhookParse, NewBranchesAndTagsLeaveChangedPathsUnknown) {
  std::string body = github_push("refs/heads/feature", kAfter, kNullSha);
  auto created = parse_webhook(HookProvider::kGitHub, github_headers(body), body);
  ASSERT_TRUE(created.ok());
  EXPECT_FALSE(created->push->changed_paths);
  body = github_push("refs/tags/v1");
  auto tag = parse_webhook(HookProvider::kGitHub, github_headers(body), body);
  ASSERT_TRUE(tag.ok());
  EXPECT_EQ(tag->push->ref, "refs/tags/v1");
  EXPECT_FALSE(tag->push->changed_paths);
}

TEST(WebhookParse, DeletedRefRunsNothing) {
  std::string body = github_push("refs/heads/gone", kNullSha);
  auto delivery = parse_webhook(HookProvider::kGitHub, github_headers(body), body);
  ASSERT_TRUE(delivery.ok());
  EXPECT_EQ(delivery->kind, HookKind::kPush);
  EXPECT_FALSE(delivery->push);
  EXPECT_NE(delivery->note.find("deleted"), std::string::npos);
}

TEST(WebhookParse, PingAndOtherEvents) {
  std::string ping = R"({"zen":"Keep it simple.","hook_id":1,"repository":{"full_name":"o/r"}})";
  auto p = parse_webhook(HookProvider::kGitHub, github_headers(ping, "ping"), ping);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->kind, HookKind::kPing);
  auto issue = parse_webhook(HookProvider::kGitHub, github_headers(ping, "issues"), ping);
  ASSERT_TRUE(issue.ok());
  EXPECT_EQ(issue->kind, HookKind::kIgnored);
  EXPECT_FALSE(issue->push);
}

TEST(WebhookParse, RefusesHostileRefsAndShas) {
  for (const char* ref : {"main", "refs/heads/../x", "refs/heads/a b", "refs/remotes/x",
                          "refs/heads/-x:y", "refs/heads/x.lock"}) {
    std::string body = github_push(ref);
    EXPECT_FALSE(parse_webhook(HookProvider::kGitHub, github_headers(body), body).ok()) << ref;
  }
  for (const char* sha : {"--upload-pack=x", "abc", "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"}) {
    std::string body = github_push("refs/heads/main", sha);
    EXPECT_FALSE(parse_webhook(HookProvider::kGitHub, github_headers(body), body).ok()) << sha;
  }
}

TEST(WebhookParse, DefensiveAgainstDepthSizeAndTypes) {
  std::string deep = std::string(10000, '[') + std::string(10000, ']');
  auto d = parse_webhook(HookProvider::kGitHub, github_headers(deep), deep);
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.error().message.find("nested deeper"), std::string::npos);
  // Brackets inside strings do not count as nesting.
  std::string quoted = R"({"zen":")" + std::string(100, '[') + R"("})";
  EXPECT_TRUE(parse_webhook(HookProvider::kGitHub, github_headers(quoted, "ping"), quoted).ok());
  EXPECT_FALSE(parse_webhook(HookProvider::kGitHub, github_headers("[]"), "[]").ok());
  EXPECT_FALSE(parse_webhook(HookProvider::kGitHub, github_headers("{"), "{").ok());
  std::string wrong_types = R"({"ref":5,"after":[],"commits":"x","repository":7})";
  EXPECT_FALSE(parse_webhook(HookProvider::kGitHub, github_headers(wrong_types), wrong_types).ok());
}

TEST(WebhookParse, GitLabPushIsReshapedLikeGitHub) {
  std::string body =
      R"({"object_kind":"push","ref":"refs/heads/main","before":")" + kBefore + R"(","after":")" +
      kAfter + R"(","checkout_sha":")" + kAfter +
      R"(","user_username":"jo","project":{"name":"app","path_with_namespace":"Group/Sub/App",)"
      R"("git_http_url":"https://gitlab.example/Group/Sub/App.git","default_branch":"main"},)"
      R"("commits":[{"id":")" +
      kAfter +
      R"(","message":"fix","added":["x"],"modified":[],"removed":[]}],)"
      R"("total_commits_count":1})";
  HookHeaders headers{{"x-gitlab-event", "Push Hook"}, {"idempotency-key", "k-9"}};
  auto delivery = parse_webhook(HookProvider::kGitLab, headers, body);
  ASSERT_TRUE(delivery.ok()) << delivery.error().message;
  EXPECT_EQ(delivery->delivery_id, "k-9");
  EXPECT_EQ(delivery->repository_ids, (std::vector<std::string>{"group/sub/app"}));
  ASSERT_TRUE(delivery->push);
  EXPECT_EQ(*delivery->push->changed_paths, (std::vector<std::string>{"x"}));
  const Value& payload = delivery->push->payload;
  EXPECT_EQ(payload.get("repository").get("full_name").as_string(), "Group/Sub/App");
  EXPECT_EQ(payload.get("repository").get("default_branch").as_string(), "main");
  EXPECT_EQ(payload.get("head_commit").get("message").as_string(), "fix");
  EXPECT_EQ(payload.get("pusher").get("name").as_string(), "jo");
  EXPECT_FALSE(payload.get("created").as_bool());

  // More commits than listed: the paths are not known.
  std::string truncated = body;
  truncated.replace(truncated.find("\"total_commits_count\":1"), 23, "\"total_commits_count\":30");
  auto t = parse_webhook(HookProvider::kGitLab, headers, truncated);
  ASSERT_TRUE(t.ok());
  EXPECT_FALSE(t->push->changed_paths);
}

TEST(WebhookParse, GiteaReadsItsOwnHeaders) {
  std::string body = github_push();
  HookHeaders headers{{"x-gitea-event", "push"}, {"x-gitea-delivery", "g-7"}};
  auto delivery = parse_webhook(HookProvider::kGitea, headers, body);
  ASSERT_TRUE(delivery.ok());
  EXPECT_EQ(delivery->delivery_id, "g-7");
  EXPECT_EQ(delivery->kind, HookKind::kPush);
}

TEST(RepositoryIdentity, UrlsAndFullNamesMeet) {
  EXPECT_EQ(repository_identity("https://github.com/Octo/Hello.git"), "octo/hello");
  EXPECT_EQ(repository_identity("https://user:tok@github.com/octo/hello/"), "octo/hello");
  EXPECT_EQ(repository_identity("git@github.com:octo/hello.git"), "octo/hello");
  EXPECT_EQ(repository_identity("ssh://git@host:22/group/sub/app"), "group/sub/app");
  EXPECT_EQ(repository_identity("Octo/Hello"), "octo/hello");
  EXPECT_EQ(repository_identity("/srv/git/app"), "");
  EXPECT_EQ(repository_identity("file:///srv/git/app"), "");
  EXPECT_EQ(repository_identity("./app"), "");
  EXPECT_EQ(repository_identity("app"), "");
}

}  // namespace
}  // namespace sluice::triggers
