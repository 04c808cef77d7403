// Tokens are stored hashed, with roles; the front door answers 401 without a valid token,
// 403 for too low a role, and asks cookie sessions for their CSRF header.
#include "server/auth.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "../store/temp_dir.h"
#include "server/api_server.h"
#include "server/token_store.h"

namespace sluice::server {
namespace {

using store::testing::read_file;
using store::testing::TempDir;

TEST(TokenStoreTest, StoresOnlyHashesAndFindsTokensByValue) {
  TempDir dir;
  TokenStore tokens(dir.path());
  auto token = tokens.create(Role::kOperate, "ci");
  ASSERT_TRUE(token.ok()) << token.error().message;
  EXPECT_EQ(token->rfind("sluice_", 0), 0u);
  std::string file = read_file(dir.path() / "tokens.json");
  EXPECT_EQ(file.find(*token), std::string::npos);
  EXPECT_NE(file.find(TokenStore::hash(*token)), std::string::npos);
  struct stat st {};
  ASSERT_EQ(stat((dir.path() / "tokens.json").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto found = tokens.find(*token);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->role, Role::kOperate);
  EXPECT_EQ(found->name, "ci");
  EXPECT_FALSE(tokens.find(*token + "x"));
  EXPECT_FALSE(tokens.find(""));
}

TEST(TokenStoreTest, SeesTokensAnotherProcessAdded) {
  TempDir dir;
  TokenStore server(dir.path());
  EXPECT_TRUE(server.list()->empty());
  TokenStore cli(dir.path());  // `sluice token create` while the controller runs
  auto token = cli.create(Role::kRead, "");
  ASSERT_TRUE(token.ok());
  EXPECT_TRUE(server.find(*token));
  ASSERT_TRUE(server.revoke(server.list()->front().id).value());
  EXPECT_FALSE(cli.find(*token));
}

TEST(TokenStoreTest, AdminTokenFileIsCreatedOnceWithMode0600) {
  TempDir dir;
  TokenStore tokens(dir.path());
  auto first = tokens.ensure_admin_token();
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(read_file(dir.path() / "admin.token"), *first + "\n");
  struct stat st {};
  ASSERT_EQ(stat((dir.path() / "admin.token").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(*tokens.ensure_admin_token(), *first);
  EXPECT_EQ(tokens.find(*first)->role, Role::kAdmin);
}

class FrontDoorTest : public ::testing::Test {
 protected:
  FrontDoorTest() : tokens_(dir_.path()), auth_(tokens_), api_(router_, auth_, nullptr) {
    router_.add("GET", "/api/v1/runs", Role::kRead,
                [](HttpRequest&, const Route&) { return HttpResponse::json(200, "{}"); });
    router_.add("POST", "/api/v1/runs/{id}/cancel", Role::kOperate,
                [](HttpRequest&, const Route&) { return HttpResponse::json(202, "{}"); });
    router_.add("GET", "/healthz", Role::kNone,
                [](HttpRequest&, const Route&) { return HttpResponse::json(200, "{}"); });
  }
  HttpResponse call(const std::string& method, const std::string& path,
                    std::map<std::string, std::string> headers = {}) {
    HttpRequest request;
    request.method = method;
    request.path = path;
    request.headers = std::move(headers);
    return api_.handle(request);
  }

  TempDir dir_;
  TokenStore tokens_;
  SessionAuth auth_;
  Router router_;
  ApiServer api_;
};

TEST_F(FrontDoorTest, NoTokenIs401AndTooLowARoleIs403) {
  std::string reader = *tokens_.create(Role::kRead, "");
  std::string operate = *tokens_.create(Role::kOperate, "");
  EXPECT_EQ(call("GET", "/api/v1/runs").status, 401);
  EXPECT_EQ(call("GET", "/api/v1/runs", {{"authorization", "Bearer nope"}}).status, 401);
  EXPECT_EQ(call("GET", "/api/v1/runs", {{"authorization", "Bearer " + reader}}).status, 200);
  HttpResponse denied =
      call("POST", "/api/v1/runs/1/cancel", {{"authorization", "Bearer " + reader}});
  EXPECT_EQ(denied.status, 403);
  EXPECT_NE(denied.body.find(R"("code":"forbidden")"), std::string::npos);
  EXPECT_EQ(call("POST", "/api/v1/runs/1/cancel", {{"authorization", "Bearer " + operate}}).status,
            202);
  EXPECT_EQ(call("GET", "/healthz").status, 200);
  EXPECT_EQ(call("GET", "/nowhere").status, 404);
  EXPECT_EQ(api_.requests_by_status()[401], 2u);
}

TEST_F(FrontDoorTest, CookieSessionsNeedTheCsrfHeaderToChangeState) {
  std::string operate = *tokens_.create(Role::kOperate, "");
  auto session = auth_.login(operate);
  ASSERT_TRUE(session);
  std::string cookie = "theme=dark; sluice_session=" + session->id;
  EXPECT_EQ(call("GET", "/api/v1/runs", {{"cookie", cookie}}).status, 200);
  EXPECT_EQ(call("POST", "/api/v1/runs/1/cancel", {{"cookie", cookie}}).status, 403);
  EXPECT_EQ(
      call("POST", "/api/v1/runs/1/cancel", {{"cookie", cookie}, {"x-sluice-csrf", "bad"}}).status,
      403);
  EXPECT_EQ(
      call("POST", "/api/v1/runs/1/cancel", {{"cookie", cookie}, {"x-sluice-csrf", session->csrf}})
          .status,
      202);
  // Bearer tokens are not cookies: no CSRF header needed.
  EXPECT_EQ(call("POST", "/api/v1/runs/1/cancel", {{"authorization", "Bearer " + operate}}).status,
            202);
  EXPECT_FALSE(auth_.login("sluice_wrong"));
}

}  // namespace
}  // namespace sluice::server
