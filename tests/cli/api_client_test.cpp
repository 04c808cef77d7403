#include "cli/api_client.h"

#include <gtest/gtest.h>

#include "../net/scripted_server.h"
#include "cli/cli.h"

namespace sluice::cli {
namespace {

using net::testing::ReceivedRequest;
using net::testing::ScriptedServer;

std::string json_response(int status, const std::string& body) {
  return "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Type: application/json\r\n" +
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

std::unique_ptr<ApiClient> client_for(const ScriptedServer& server, const std::string& token) {
  auto api = ApiClient::open({server.url(), token});
  EXPECT_TRUE(api.ok());
  return std::move(*api);
}

std::string request_line(const ReceivedRequest& r) {
  return r.head.substr(0, r.head.find("\r\n"));
}

TEST(ApiClient, ListsRunsWithTheBearerToken) {
  ScriptedServer server([](const ReceivedRequest&, ScriptedServer& s) {
    s.send(json_response(
        200,
        R"({"runs":[{"id":4,"project":"app","workflow_name":"ci","status":"failure"}],"next_cursor":null})"));
  });
  auto api = client_for(server, "tok-123");
  auto page = api->list_runs(5);
  ASSERT_TRUE(page.ok()) << page.error().message;
  ASSERT_EQ(page->runs.size(), 1u);
  EXPECT_EQ(page->runs[0].id, 4);
  EXPECT_EQ(page->runs[0].status, engine::RunStatus::kFailure);
  EXPECT_EQ(page->projects.at(4), "app");
  auto got = server.requests();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(request_line(got[0]), "GET /api/v1/runs?limit=5 HTTP/1.1");
  EXPECT_NE(got[0].head.find("Authorization: Bearer tok-123"), std::string::npos);
}

TEST(ApiClient, RefusalsCarryTheServersMessageAndExitTwo) {
  ScriptedServer server([](const ReceivedRequest&, ScriptedServer& s) {
    s.send(json_response(401,
                         R"({"error":{"code":"unauthenticated","message":"not a valid token"}})"));
  });
  auto api = client_for(server, "bad");
  auto run = api->run(3);
  ASSERT_FALSE(run.ok());
  EXPECT_EQ(api->last_exit_code(), kExitInvalid);
  EXPECT_NE(run.error().message.find("not a valid token (HTTP 401 unauthenticated)"),
            std::string::npos)
      << run.error().message;
  EXPECT_NE(run.error().message.find("--token"), std::string::npos);
  EXPECT_NE(run.error().message.find(server.url()), std::string::npos);
}

TEST(ApiClient, AnUnreachableServerExitsOne) {
  uint16_t port;
  {
    ScriptedServer gone([](const ReceivedRequest&, ScriptedServer&) {});
    port = gone.port();
  }
  auto api = ApiClient::open({"http://127.0.0.1:" + std::to_string(port), ""});
  ASSERT_TRUE(api.ok());
  auto page = (*api)->list_runs(1);
  ASSERT_FALSE(page.ok());
  EXPECT_EQ((*api)->last_exit_code(), kExitFailure);
  EXPECT_NE(page.error().message.find("cannot connect"), std::string::npos);
}

TEST(ApiClient, ABadUrlIsRefusedUpFront) {
  auto api = ApiClient::open({"https://ci.example", ""});
  ASSERT_FALSE(api.ok());
  EXPECT_NE(api.error().message.find("https is not supported"), std::string::npos);
}

TEST(ApiClient, DispatchPostsRefAndInputsToTheEncodedPath) {
  ScriptedServer server([](const ReceivedRequest&, ScriptedServer& s) {
    s.send(json_response(201, R"({"run_ids":[7,8]})"));
  });
  auto api = client_for(server, "t");
  auto ids = api->dispatch("my app", ".github/workflows/ci.yml", "main", {{"count", "3"}});
  ASSERT_TRUE(ids.ok()) << ids.error().message;
  EXPECT_EQ(*ids, (std::vector<int64_t>{7, 8}));
  auto got = server.requests();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(request_line(got[0]),
            "POST /api/v1/projects/my%20app/workflows/.github/workflows/ci.yml/dispatch HTTP/1.1");
  EXPECT_EQ(got[0].body, R"({"inputs":{"count":"3"},"ref":"main"})");
}

TEST(ApiClient, RerunAndCancel) {
  ScriptedServer server([](const ReceivedRequest& r, ScriptedServer& s) {
    if (r.head.find("/rerun") != std::string::npos) {
      s.send(json_response(201, R"({"run_id":12})"));
    } else {
      s.send(
          json_response(409, R"({"error":{"code":"not_running","message":"run 5 has finished"}})"));
    }
  });
  auto api = client_for(server, "t");
  auto rerun = api->rerun(5, true);
  ASSERT_TRUE(rerun.ok()) << rerun.error().message;
  EXPECT_EQ(*rerun, 12);
  Status cancelled = api->cancel(5);
  ASSERT_FALSE(cancelled.ok());
  EXPECT_NE(cancelled.error().message.find("run 5 has finished"), std::string::npos);
  EXPECT_EQ(api->last_exit_code(), kExitInvalid);
  auto got = server.requests();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].body, R"({"failed":true})");
  EXPECT_EQ(request_line(got[1]), "POST /api/v1/runs/5/cancel HTTP/1.1");
}

TEST(ApiClient, ResolvesLatestThroughTheRunList) {
  ScriptedServer server([](const ReceivedRequest&, ScriptedServer& s) {
    s.send(json_response(200, R"({"runs":[{"id":41}],"next_cursor":"40"})"));
  });
  auto api = client_for(server, "t");
  auto id = api->resolve_run("latest");
  ASSERT_TRUE(id.ok()) << id.error().message;
  EXPECT_EQ(*id, 41);
  EXPECT_EQ(request_line(server.requests()[0]), "GET /api/v1/runs?limit=1 HTTP/1.1");
  EXPECT_FALSE(api->resolve_run("x1").ok());
  EXPECT_EQ(api->last_exit_code(), kExitInvalid);
}

TEST(ApiClient, FollowsAStepLogFromWhereItStopped) {
  ScriptedServer server([](const ReceivedRequest&, ScriptedServer& s) {
    s.send(
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
        "Transfer-Encoding: chunked\r\n\r\n");
    std::string events =
        ": keep-alive\n\nid: 12\ndata: second line\n\nevent: end\ndata: success\n\n";
    char size[16];
    snprintf(size, sizeof size, "%zx\r\n", events.size());
    s.send(size + events + "\r\n0\r\n\r\n");
  });
  auto api = client_for(server, "t");
  std::vector<std::pair<uint64_t, std::string>> lines;
  auto status =
      api->follow_step_log(9, "build (linux)", 2, 6, [&](uint64_t offset, const std::string& line) {
        lines.emplace_back(offset, line);
        return true;
      });
  ASSERT_TRUE(status.ok()) << status.error().message;
  EXPECT_EQ(*status, "success");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0], (std::pair<uint64_t, std::string>{12, "second line"}));
  auto got = server.requests();
  EXPECT_EQ(request_line(got[0]), "GET /api/v1/runs/9/logs/build%20%28linux%29/2/stream HTTP/1.1");
  EXPECT_NE(got[0].head.find("Last-Event-ID: 6"), std::string::npos);
}

TEST(ApiClient, AStreamThatEndsBeforeItsStepIsAnError) {
  ScriptedServer server([](const ReceivedRequest&, ScriptedServer& s) {
    s.send("HTTP/1.1 200 OK\r\nContent-Length: 18\r\n\r\nid: 3\ndata: a\n\n\n\n\n");
  });
  auto api = client_for(server, "t");
  auto status =
      api->follow_step_log(1, "b", 1, 0, [](uint64_t, const std::string&) { return true; });
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message.find("ended before the step did"), std::string::npos);
}

}  // namespace
}  // namespace sluice::cli
