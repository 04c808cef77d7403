#include "server/router.h"

#include <gtest/gtest.h>

namespace sluice::server {
namespace {

HttpResponse reply(const std::string& text) {
  HttpResponse r;
  r.body = text;
  return r;
}

TEST(RouterTest, MatchesPatternsAndDecodesParameters) {
  Router router;
  router.add("GET", "/api/v1/runs/{id}", Role::kRead,
             [](HttpRequest&, const Route& route) { return reply("run " + route.param("id")); });
  router.add("POST", "/api/v1/projects/{project}/workflows/{file...}/dispatch", Role::kOperate,
             [](HttpRequest&, const Route& route) {
               return reply(route.param("project") + "|" + route.param("file"));
             });
  auto m = router.match("GET", "/api/v1/runs/42");
  ASSERT_EQ(m.kind, Router::Match::Kind::kRoute);
  EXPECT_EQ(m.route.param("id"), "42");
  EXPECT_EQ(m.route.role, Role::kRead);

  m = router.match("POST", "/api/v1/projects/my%20app/workflows/.github/workflows/ci.yml/dispatch");
  ASSERT_EQ(m.kind, Router::Match::Kind::kRoute);
  EXPECT_EQ(m.route.param("project"), "my app");
  EXPECT_EQ(m.route.param("file"), ".github/workflows/ci.yml");
  EXPECT_EQ(m.route.role, Role::kOperate);
}

TEST(RouterTest, TellsAWrongMethodFromAnUnknownPath) {
  Router router;
  router.add("GET", "/api/v1/runs/{id}", Role::kRead,
             [](HttpRequest&, const Route&) { return reply(""); });
  EXPECT_EQ(router.match("DELETE", "/api/v1/runs/1").kind, Router::Match::Kind::kWrongMethod);
  EXPECT_EQ(router.match("GET", "/api/v1/runs/1/x").kind, Router::Match::Kind::kNone);
  EXPECT_EQ(router.match("GET", "/api/v1/runs").kind, Router::Match::Kind::kNone);
  EXPECT_EQ(router.match("HEAD", "/api/v1/runs/1").kind, Router::Match::Kind::kRoute);
}

TEST(RouterTest, MountsWinByLongestPrefix) {
  Router router;
  router.mount("/api/v1/agent/", Role::kAgent, [](HttpRequest&) { return reply("agent"); });
  router.mount("/", Role::kNone, [](HttpRequest&) { return reply("web"); });
  router.add("GET", "/api/v1/runs", Role::kRead,
             [](HttpRequest&, const Route&) { return reply("runs"); });
  auto m = router.match("POST", "/api/v1/agent/lease");
  ASSERT_EQ(m.kind, Router::Match::Kind::kMount);
  EXPECT_EQ(m.route.role, Role::kAgent);
  HttpRequest request;
  EXPECT_EQ((*m.mounted)(request).body, "agent");
  // The catch-all mount for the web UI takes every path (mounts before routes).
  EXPECT_EQ(router.match("GET", "/index.html").kind, Router::Match::Kind::kMount);
}

TEST(RolesTest, AdminPassesEverythingAgentOnlyAgentEndpoints) {
  EXPECT_TRUE(role_allows(Role::kAdmin, Role::kOperate));
  EXPECT_TRUE(role_allows(Role::kAdmin, Role::kAgent));
  EXPECT_TRUE(role_allows(Role::kOperate, Role::kRead));
  EXPECT_FALSE(role_allows(Role::kRead, Role::kOperate));
  EXPECT_FALSE(role_allows(Role::kOperate, Role::kAdmin));
  EXPECT_FALSE(role_allows(Role::kAgent, Role::kRead));
  EXPECT_TRUE(role_allows(Role::kAgent, Role::kAgent));
  EXPECT_FALSE(role_allows(Role::kRead, Role::kAgent));
  EXPECT_FALSE(role_allows(Role::kNone, Role::kRead));
  EXPECT_TRUE(role_allows(Role::kNone, Role::kNone));
  EXPECT_EQ(role_from_string("operate"), Role::kOperate);
  EXPECT_EQ(role_from_string("root"), std::nullopt);
}

}  // namespace
}  // namespace sluice::server
