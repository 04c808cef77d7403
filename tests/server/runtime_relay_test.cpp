// The runtime relay end to end, in one process: a job's request goes to the agent's listener
// (agent::RuntimeProxy), over HTTP to the controller's relay (server::RuntimeRelay) and on to
// a stand-in for the run's runtime services; its reply comes back the same way. With the
// relay's memory limit lowered to 64 KiB, blobs of a few MiB take the spool files: they must
// arrive byte for byte, leave no file behind, and JSON replies must still name the agent.
#include "server/runtime_relay.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <mutex>

#include "../store/temp_dir.h"
#include "agent/http_channel.h"
#include "agent/runtime_proxy.h"
#include "core/sha256.h"

namespace sluice::server {
namespace {

namespace fs = std::filesystem;
using runtime::BodyPlan;
using runtime::HttpRequest;
using runtime::HttpResponse;

constexpr const char* kSession = "the-session";

std::string pattern(size_t size, const std::string& text) {
  std::string out;
  while (out.size() < size) out += text;
  out.resize(size);
  return out;
}

// The run's runtime services: PUT stores the body (into a file), GET /blob returns a blob
// that contains the services' own origin, GET /json a JSON reply naming it.
class Services final : public runtime::HttpHandler {
 public:
  explicit Services(fs::path dir) : dir_(std::move(dir)) {}
  std::string origin;
  BodyPlan plan_body(const HttpRequest& head) override {
    if (head.method == "PUT") return BodyPlan::to_file((dir_ / "upload").string(), 1ull << 32);
    return BodyPlan::memory(1 << 20);
  }
  HttpResponse handle(HttpRequest& request) override {
    if (request.method == "PUT") {
      std::lock_guard lock(mutex_);
      received_sha256 = request.body_sha256;
      received_size = request.body_size;
      authorization = request.header("authorization");
      return HttpResponse::empty(201);
    }
    if (request.path == "/blob") {
      std::ofstream(dir_ / "blob", std::ios::binary) << blob();
      HttpResponse r;
      r.content_type = "application/octet-stream";
      r.files = {(dir_ / "blob").string()};
      return r;
    }
    std::string padding = request.query.count("big") ? pattern(100000, "x") : "";
    return HttpResponse::json(
        200, R"({"url":")" + origin + R"(/blob?sig=1","pad":")" + padding + R"("})");
  }
  std::string blob() const { return pattern(3 << 20, "data " + origin + "/blob "); }

  std::mutex mutex_;
  std::string received_sha256, authorization;
  uint64_t received_size = 0;

 private:
  fs::path dir_;
};

// The controller's HTTP side: the relay, with one lease of one agent.
class Controller final : public runtime::HttpHandler {
 public:
  Controller(std::string services_origin, std::string spool)
      : relay_(
            [origin = std::move(services_origin)](const std::string& lease,
                                                  const std::string& session,
                                                  std::string& out) -> std::optional<HttpResponse> {
              if (lease != "l-1") return HttpResponse::json(404, "{}");
              if (session != kSession) return HttpResponse::json(401, "{}");
              out = origin;
              return std::nullopt;
            },
            std::move(spool)) {}
  BodyPlan plan_body(const HttpRequest& head) override { return relay_.plan_body(head); }
  HttpResponse handle(HttpRequest& request) override { return relay_.forward(request); }
  RuntimeRelay relay_;
};

size_t files_in(const fs::path& dir) {
  size_t n = 0;
  for (const auto& entry : fs::directory_iterator(dir)) n += entry.is_regular_file();
  return n;
}

class RuntimeRelayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::setenv("SLUICE_RELAY_MEMORY_BYTES", "64K", 1);
    fs::create_directories(dir_.path() / "services");
    services_ = std::make_unique<Services>(dir_.path() / "services");
    services_server_ = std::move(*runtime::HttpServer::start(*services_));
    services_->origin = "http://127.0.0.1:" + std::to_string(services_server_->port());
    controller_ = std::make_unique<Controller>(services_->origin,
                                               (dir_.path() / "controller-spool").string());
    runtime::ListenOptions listen;
    listen.handler_threads = 2;
    controller_server_ = std::move(*runtime::HttpServer::start(*controller_, listen));
    std::string controller = "http://127.0.0.1:" + std::to_string(controller_server_->port());
    proxy_ = std::make_unique<agent::RuntimeProxy>(
        "127.0.0.1", [controller] { return agent::open_http_channel(controller); },
        [] {
          return agent::Headers{{"X-Sluice-Agent-Session", kSession}};
        },
        (dir_.path() / "agent-spool").string());
    ::unsetenv("SLUICE_RELAY_MEMORY_BYTES");
    auto origin = proxy_->open("l-1");
    ASSERT_TRUE(origin.ok());
    origin_ = *origin;
    job_ = std::move(*agent::open_http_channel(origin_));
  }
  // The job's request to the agent's listener (the Host names its port, as a client's does).
  agent::ChannelRequest job_request(std::string method, std::string target) {
    agent::ChannelRequest r;
    r.method = std::move(method);
    r.target = std::move(target);
    r.headers = {{"host", origin_.substr(7)}, {"authorization", "Bearer job-token"}};
    r.reply_memory_limit = 64 << 20;
    return r;
  }
  void expect_no_spool_files() {
    EXPECT_EQ(files_in(dir_.path() / "agent-spool"), 0u);
    EXPECT_EQ(files_in(dir_.path() / "controller-spool"), 0u);
  }

  store::testing::TempDir dir_;
  std::unique_ptr<Services> services_;
  std::unique_ptr<runtime::HttpServer> services_server_;
  std::unique_ptr<Controller> controller_;
  std::unique_ptr<runtime::HttpServer> controller_server_;
  std::unique_ptr<agent::RuntimeProxy> proxy_;
  std::string origin_;
  std::unique_ptr<agent::Channel> job_;
};

TEST_F(RuntimeRelayTest, AnUploadLargerThanMemoryArrivesByteForByte) {
  std::string body = pattern((5 << 20) + 7, "upload ");
  auto request = job_request("PUT", "/upload?sig=1");
  request.body = body;
  request.headers.emplace_back("content-type", "application/octet-stream");
  auto reply = job_->exchange(request);
  ASSERT_TRUE(reply.ok()) << reply.error().message;
  EXPECT_EQ(reply->status, 201);
  Sha256 hash;
  hash.update(body.data(), body.size());
  std::lock_guard lock(services_->mutex_);
  EXPECT_EQ(services_->received_size, body.size());
  EXPECT_EQ(services_->received_sha256, hash.finish_hex());
  EXPECT_EQ(services_->authorization, "Bearer job-token");  // the job's, not the agent's
  expect_no_spool_files();
}

TEST_F(RuntimeRelayTest, ADownloadLargerThanMemoryIsNotRewritten) {
  auto reply = job_->exchange(job_request("GET", "/blob?sig=1"));
  ASSERT_TRUE(reply.ok()) << reply.error().message;
  EXPECT_EQ(reply->status, 200);
  EXPECT_EQ(reply->body.size(), services_->blob().size());
  EXPECT_TRUE(reply->body == services_->blob()) << "a blob naming the origin was changed";
  expect_no_spool_files();
}

TEST_F(RuntimeRelayTest, JsonRepliesNameTheAgentsListenerEvenWhenSpooled) {
  for (std::string target : {"/json", "/json?big=1"}) {
    auto reply = job_->exchange(job_request("POST", target));
    ASSERT_TRUE(reply.ok()) << reply.error().message;
    EXPECT_NE(reply->body.find(R"("url":")" + origin_ + "/blob?sig=1"), std::string::npos)
        << target;
    EXPECT_EQ(reply->body.find(services_->origin), std::string::npos) << target;
  }
  expect_no_spool_files();
}

TEST_F(RuntimeRelayTest, AStrangersBodyIsNotSpooled) {
  HttpRequest head;
  head.method = "PUT";
  head.path = "/api/v1/agent/leases/l-1/runtime/upload";
  head.headers = {{"content-length", "10000000"}, {"x-sluice-agent-session", "wrong"}};
  EXPECT_EQ(controller_->plan_body(head).kind, BodyPlan::Kind::kMemory);
  head.headers["x-sluice-agent-session"] = kSession;
  BodyPlan plan = controller_->plan_body(head);
  EXPECT_EQ(plan.kind, BodyPlan::Kind::kFile);
  EXPECT_EQ(fs::path(plan.file).parent_path(), dir_.path() / "controller-spool");
  head.target = head.path;
  head.headers["x-sluice-agent-session"] = "wrong";
  EXPECT_EQ(controller_->handle(head).status, 401);
}

}  // namespace
}  // namespace sluice::server
