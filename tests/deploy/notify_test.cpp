#include "deploy/notify.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <mutex>

#include "core/encodings.h"
#include "core/hmac.h"
#include "core/json.h"

namespace sluice::deploy {
namespace {

using namespace std::chrono_literals;

struct Recorder {
  std::mutex mutex;
  std::vector<gates::HttpCall> calls;
  std::vector<int> statuses;  // replies in order; then 200
  gates::HttpFetch fetch() {
    return [this](const gates::HttpCall& call) -> Result<gates::HttpReply> {
      std::lock_guard lock(mutex);
      calls.push_back(call);
      int status = 200;
      if (!statuses.empty()) {
        status = statuses.front();
        statuses.erase(statuses.begin());
      }
      if (status == 0) return Error{"connection refused by " + call.url, {}};
      return gates::HttpReply{status, ""};
    };
  }
  std::string header(size_t i, const std::string& name) {
    std::lock_guard lock(mutex);
    for (const auto& [k, v] : calls.at(i).headers)
      if (k == name) return v;
    return "";
  }
};

NotificationSpec target(const std::string& name,
                        NotificationFormat format = NotificationFormat::kJson) {
  NotificationSpec t;
  t.name = name;
  t.url = "http://127.0.0.1:9/" + name;
  t.format = format;
  return t;
}

NotificationMessage failure() {
  NotificationMessage m;
  m.event = NotificationEvent::kFailure;
  m.workflow_file = ".github/workflows/deploy.yml";
  m.workflow_name = "Deploy";
  m.run_id = 12;
  m.ref = "refs/heads/main";
  m.status = "failure";
  m.reason = "step 'push' failed: token hunter2 refused";
  return m;
}

TEST(NotifyTest, SignsTheJsonBodyAndMasksSecrets) {
  Recorder r;
  auto masker = std::make_shared<SecretMasker>();
  masker->add("hunter2");
  NotificationSpec t = target("ops");
  t.secret = "HOOK_KEY";
  Value secrets = Value::object();
  secrets.set("HOOK_KEY", "k3y");
  std::vector<std::string> reports;
  Notifier notifier({t}, secrets, masker, {10ms, 100ms, 1000ms, r.fetch(), {}});
  notifier.notify(failure());
  ASSERT_TRUE(notifier.drain(5s));
  ASSERT_EQ(r.calls.size(), 1u);
  const gates::HttpCall& call = r.calls[0];
  EXPECT_EQ(call.method, "POST");
  EXPECT_EQ(call.url, "http://127.0.0.1:9/ops");
  EXPECT_EQ(call.content_type, "application/json");
  EXPECT_EQ(r.header(0, "X-Sluice-Event"), "failure");
  EXPECT_EQ(r.header(0, "X-Sluice-Signature-256"),
            "sha256=" + hex_encode(hmac_sha256("k3y", call.body)));
  EXPECT_EQ(call.body.find("hunter2"), std::string::npos);
  auto body = parse_json(call.body);
  ASSERT_TRUE(body.ok());
  EXPECT_EQ(body->find("event")->to_string(), "failure");
  EXPECT_EQ(body->find("reason")->to_string(), "step 'push' failed: token *** refused");
  EXPECT_EQ(body->find("text")->to_string(),
            "Deploy run 12 failed on refs/heads/main: step 'push' failed: token *** refused");
  EXPECT_EQ(body->find("run")->find("id")->to_string(), "12");
  EXPECT_EQ(body->find("deployment"), nullptr);
}

TEST(NotifyTest, SlackGetsTextAndAttachments) {
  NotificationMessage m = failure();
  m.event = NotificationEvent::kApproval;
  m.environment = "production";
  m.job_key = "deploy";
  auto body = parse_json(slack_payload(m));
  ASSERT_TRUE(body.ok());
  EXPECT_EQ(body->find("text")->to_string(),
            "deployment to production (Deploy run 12, job deploy) is waiting for approval on "
            "refs/heads/main: step 'push' failed: token hunter2 refused");
  const Value* attachments = body->find("attachments");
  ASSERT_NE(attachments, nullptr);
  EXPECT_EQ(attachments->as_array().at(0).find("color")->to_string(), "warning");
}

TEST(NotifyTest, RetriesWithBackoffAndGivesUp) {
  Recorder r;
  r.statuses = {500, 0, 200};
  std::vector<std::string> reports;
  std::mutex reports_mutex;
  NotifierOptions options{10ms, 40ms, 1000ms, r.fetch(), [&](const std::string& line) {
                            std::lock_guard lock(reports_mutex);
                            reports.push_back(line);
                          }};
  Notifier notifier({target("ops")}, Value::object(), nullptr, options);
  notifier.notify(failure());
  ASSERT_TRUE(notifier.drain(5s));
  EXPECT_EQ(r.calls.size(), 3u);
  EXPECT_EQ(notifier.counts().delivered, 1);
  ASSERT_EQ(reports.size(), 2u);
  EXPECT_EQ(reports[0], "notification 'ops': attempt 1 failed (HTTP 500); retrying");
  // The URL never appears in a message (a Slack URL is a secret).
  EXPECT_EQ(reports[1],
            "notification 'ops': attempt 2 failed (connection refused by <url>); retrying");

  r.statuses = {503, 503, 503, 503, 503};
  NotificationSpec limited = target("limited");
  limited.max_attempts = 2;
  Notifier giving_up({limited}, Value::object(), nullptr, options);
  giving_up.notify(failure());
  ASSERT_TRUE(giving_up.drain(5s));
  EXPECT_EQ(giving_up.counts().failed, 1);
  EXPECT_EQ(giving_up.counts().attempts, 2);

  r.statuses = {404};
  Notifier not_found({target("gone")}, Value::object(), nullptr, options);
  not_found.notify(failure());
  ASSERT_TRUE(not_found.drain(5s));
  EXPECT_EQ(not_found.counts().attempts, 1);  // a 404 does not get better
}

TEST(NotifyTest, TargetsChooseEventsWorkflowsAndEnvironments) {
  Recorder r;
  NotificationSpec all = target("all");
  NotificationSpec successes = target("successes");
  successes.events = {NotificationEvent::kSuccess};
  NotificationSpec other_workflow = target("other");
  other_workflow.workflows = {"ci.yml"};
  NotificationSpec staging_only = target("staging");
  staging_only.environments = {"staging"};
  Notifier notifier({all, successes, other_workflow, staging_only}, Value::object(), nullptr,
                    {10ms, 10ms, 1000ms, r.fetch(), {}});
  NotificationMessage m = failure();
  m.environment = "production";
  notifier.notify(m, {target("production-own")});
  ASSERT_TRUE(notifier.drain(5s));
  std::vector<std::string> urls;
  for (const auto& call : r.calls) urls.push_back(call.url);
  EXPECT_THAT(urls, ::testing::UnorderedElementsAre("http://127.0.0.1:9/all",
                                                    "http://127.0.0.1:9/production-own"));
}

}  // namespace
}  // namespace sluice::deploy
