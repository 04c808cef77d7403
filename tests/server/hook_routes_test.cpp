// The webhook endpoints' answers that start nothing: refusals (401, 404, 405, 413, 415,
// 422), ping, ignored events, unwatched branches and redeliveries. Pushes that start runs
// are in tests/integration/test_serve_triggers.sh.
#include "server/hook_routes.h"

#include <gtest/gtest.h>

#include <stdexcept>

#include "../store/temp_dir.h"
#include "server/controller.h"
#include "triggers/webhooks.h"

namespace sluice::server {
namespace {

using store::testing::TempDir;

constexpr const char* kSecret = "It's a Secret to Everybody";
const std::string kSha = std::string(40, 'a');

class HookRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ControllerOptions options;
    options.data_dir = dir_.path() / "data";
    ProjectConfig app;
    app.name = "app";
    app.repository = "https://github.com/Octo/App.git";
    app.branches = {"main"};
    app.webhook_secret = kSecret;
    ProjectConfig unsigned_project;
    unsigned_project.name = "open";
    unsigned_project.repository = "https://github.com/octo/open";
    options.projects = {app, unsigned_project};
    auto controller = Controller::open(options);
    if (!controller.ok()) throw std::runtime_error(controller.error().message);
    controller_ = std::move(*controller);
    routes_ = std::make_unique<HookRoutes>(*controller_, nullptr);
  }

  runtime::HttpResponse post(const std::string& path, const std::string& body,
                             const std::string& event, bool sign = true,
                             std::map<std::string, std::string> query = {}) {
    runtime::HttpRequest request;
    request.method = "POST";
    request.path = path;
    request.query = std::move(query);
    request.body = body;
    request.headers["content-type"] = "application/json";
    request.headers["x-github-event"] = event;
    request.headers["x-github-delivery"] = "delivery-1";
    if (sign)
      request.headers["x-hub-signature-256"] =
          "sha256=" + triggers::webhook_signature_hex(kSecret, body);
    return routes_->handle(request);
  }

  static std::string push(const std::string& ref, const std::string& full_name = "octo/app") {
    return R"({"ref":")" + ref + R"(","before":")" + kSha + R"(","after":")" + kSha +
           R"(","repository":{"full_name":")" + full_name + R"("},"commits":[]})";
  }

  TempDir dir_;
  std::unique_ptr<Controller> controller_;
  std::unique_ptr<HookRoutes> routes_;
};

TEST_F(HookRoutesTest, BadOrMissingSignatureIs401) {
  std::string body = push("refs/heads/main");
  runtime::HttpResponse missing = post("/hooks/github", body, "push", false);
  EXPECT_EQ(missing.status, 401);
  runtime::HttpRequest forged;
  forged.method = "POST";
  forged.path = "/hooks/github";
  forged.body = body;
  forged.headers = {
      {"content-type", "application/json"},
      {"x-github-event", "push"},
      {"x-hub-signature-256", "sha256=" + triggers::webhook_signature_hex("x", body)}};
  EXPECT_EQ(routes_->handle(forged).status, 401);
  // The project without a webhook secret accepts nothing, even an "empty" signature.
  forged.headers["x-hub-signature-256"] = "sha256=" + triggers::webhook_signature_hex("", body);
  forged.query = {{"project", "open"}};
  EXPECT_EQ(routes_->handle(forged).status, 401);
  // A valid signature for another project's secret does not open this one.
  EXPECT_EQ(post("/hooks/github", body, "push", true, {{"project", "open"}}).status, 401);
}

TEST_F(HookRoutesTest, RefusesWrongMethodProviderTypeAndSize) {
  runtime::HttpRequest get;
  get.method = "GET";
  get.path = "/hooks/github";
  EXPECT_EQ(routes_->handle(get).status, 405);
  EXPECT_EQ(post("/hooks/bitbucket", "{}", "push").status, 404);
  runtime::HttpRequest text;
  text.method = "POST";
  text.path = "/hooks/github";
  text.headers = {{"content-type", "text/plain"}};
  text.body = "hi";
  EXPECT_EQ(routes_->handle(text).status, 415);
  runtime::HttpRequest big;
  big.headers = {{"content-length", std::to_string(triggers::kMaxWebhookBody + 1)}};
  runtime::BodyPlan plan = routes_->plan_body(big);
  EXPECT_EQ(plan.kind, runtime::BodyPlan::Kind::kReject);
  EXPECT_EQ(plan.rejection.status, 413);
  big.headers = {{"content-length", "100"}};
  EXPECT_EQ(routes_->plan_body(big).limit, triggers::kMaxWebhookBody);
}

TEST_F(HookRoutesTest, PingNamesTheMatchedProjects) {
  std::string ping = R"({"zen":"z","hook_id":1,"repository":{"full_name":"Octo/App"}})";
  runtime::HttpResponse answer = post("/hooks/github", ping, "ping");
  EXPECT_EQ(answer.status, 200);
  EXPECT_NE(answer.body.find(R"("projects":["app"])"), std::string::npos) << answer.body;
}

TEST_F(HookRoutesTest, IgnoredEventsUnknownRepositoriesAndUnwatchedBranches) {
  EXPECT_EQ(post("/hooks/github", push("refs/heads/main"), "issues").status, 202);
  runtime::HttpResponse unknown = post("/hooks/github", push("refs/heads/main", "x/y"), "push");
  EXPECT_EQ(unknown.status, 422);
  EXPECT_NE(unknown.body.find("?project="), std::string::npos);
  EXPECT_EQ(post("/hooks/github", R"({"ref":5})", "push").status, 400);

  runtime::HttpResponse unwatched = post("/hooks/github", push("refs/heads/dev"), "push");
  EXPECT_EQ(unwatched.status, 200);
  EXPECT_NE(unwatched.body.find(R"("run_ids":[])"), std::string::npos) << unwatched.body;
  EXPECT_NE(unwatched.body.find("not watched"), std::string::npos);
  // The same delivery id again: a redelivery, nothing starts.
  runtime::HttpResponse again = post("/hooks/github", push("refs/heads/dev"), "push");
  EXPECT_EQ(again.status, 200);
  EXPECT_NE(again.body.find(R"("duplicate":true)"), std::string::npos) << again.body;
}

}  // namespace
}  // namespace sluice::server
