#include "server/web_assets.h"

#include <gtest/gtest.h>

#include <string>

namespace sluice::server {
namespace {

const unsigned char kIndex[] = "<script src=\"/v/__ASSET_VERSION__/app.js\"></script>";
const unsigned char kScript[] = "export const x = 1;";
const unsigned char kStyle[] = "body{}";

WebAssets test_assets() {
  return WebAssets({{"index.html", kIndex, sizeof kIndex - 1, "\"i\""},
                    {"app.js", kScript, sizeof kScript - 1, "\"js-etag\""},
                    {"pages/style.css", kStyle, sizeof kStyle - 1, "\"css-etag\""}},
                   "abc123");
}

runtime::HttpRequest get(std::string path, std::string if_none_match = "") {
  runtime::HttpRequest request;
  request.method = "GET";
  request.path = path;
  request.target = path;
  if (!if_none_match.empty()) request.headers["if-none-match"] = if_none_match;
  return request;
}

std::string header(const runtime::HttpResponse& response, const std::string& name) {
  for (const auto& [key, value] : response.headers) {
    if (key == name) return value;
  }
  return "";
}

TEST(WebContentType, ByExtension) {
  EXPECT_EQ(web_content_type("index.html"), "text/html; charset=utf-8");
  EXPECT_EQ(web_content_type("pages/run.js"), "text/javascript; charset=utf-8");
  EXPECT_EQ(web_content_type("style.css"), "text/css; charset=utf-8");
  EXPECT_EQ(web_content_type("favicon.svg"), "image/svg+xml");
  EXPECT_EQ(web_content_type("README"), "application/octet-stream");
}

TEST(WebAssets, EveryPagePathAnswersIndexWithTheVersionFilledIn) {
  WebAssets assets = test_assets();
  for (std::string path : {"/", "/runs", "/runs/12", "/projects/demo"}) {
    auto request = get(path);
    runtime::HttpResponse response = assets.handle(request);
    EXPECT_EQ(response.status, 200) << path;
    EXPECT_EQ(response.content_type, "text/html; charset=utf-8");
    EXPECT_EQ(response.body, "<script src=\"/v/abc123/app.js\"></script>");
    EXPECT_EQ(header(response, "Cache-Control"), "no-cache");
    EXPECT_NE(header(response, "Content-Security-Policy").find("script-src 'self'"),
              std::string::npos);
    EXPECT_EQ(header(response, "X-Content-Type-Options"), "nosniff");
  }
}

TEST(WebAssets, VersionedAssetsAreImmutableWithTypeAndEtag) {
  WebAssets assets = test_assets();
  auto request = get("/v/abc123/pages/style.css");
  runtime::HttpResponse response = assets.handle(request);
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "body{}");
  EXPECT_EQ(response.content_type, "text/css; charset=utf-8");
  EXPECT_EQ(header(response, "ETag"), "\"css-etag\"");
  EXPECT_EQ(header(response, "Cache-Control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(assets.asset_prefix(), "/v/abc123/");
}

TEST(WebAssets, MatchingEtagAnswers304WithoutBody) {
  WebAssets assets = test_assets();
  auto request = get("/v/abc123/app.js", "\"other\", W/\"js-etag\"");
  runtime::HttpResponse response = assets.handle(request);
  EXPECT_EQ(response.status, 304);
  EXPECT_TRUE(response.body.empty());
  auto index = get("/runs", "\"index-abc123\"");
  EXPECT_EQ(assets.handle(index).status, 304);
  auto stale = get("/runs", "\"index-old\"");
  EXPECT_EQ(assets.handle(stale).status, 200);
}

TEST(WebAssets, UnknownAssetsAndTraversalAre404) {
  WebAssets assets = test_assets();
  for (std::string path : {"/v/abc123/missing.js", "/v/abc123/../index.html",
                           "/v/abc123/index.html", "/v/abc123", "/v/x/%2e%2e/app.js"}) {
    auto request = get(path);
    EXPECT_EQ(assets.handle(request).status, 404) << path;
  }
}

TEST(WebAssets, OnlyGetAndHead) {
  WebAssets assets = test_assets();
  auto request = get("/v/abc123/app.js");
  request.method = "HEAD";
  runtime::HttpResponse head = assets.handle(request);
  EXPECT_EQ(head.status, 200);
  EXPECT_TRUE(head.body.empty());
  request.method = "POST";
  runtime::HttpResponse post = assets.handle(request);
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(header(post, "Allow"), "GET, HEAD");
}

// The table web/embed_assets.cmake generates from web/app/ is what the binary serves.
TEST(WebAssets, BuiltInUiHasItsPagesAndScripts) {
  WebAssets assets;
  auto index = get("/");
  runtime::HttpResponse page = assets.handle(index);
  ASSERT_EQ(page.status, 200);
  EXPECT_NE(page.body.find(assets.asset_prefix() + "app.js"), std::string::npos);
  EXPECT_EQ(page.body.find("__ASSET_VERSION__"), std::string::npos);
  for (std::string file : {"app.js", "style.css", "markdown.js", "dag.js", "favicon.svg"}) {
    auto request = get(assets.asset_prefix() + file);
    runtime::HttpResponse response = assets.handle(request);
    EXPECT_EQ(response.status, 200) << file;
    EXPECT_FALSE(response.body.empty()) << file;
  }
}

// Stands in for the API: answers everything with 418 and counts.
class FakeApi : public runtime::HttpHandler {
 public:
  runtime::BodyPlan plan_body(const runtime::HttpRequest&) override {
    return runtime::BodyPlan::memory(123);
  }
  runtime::HttpResponse handle(runtime::HttpRequest&) override {
    ++calls;
    return runtime::HttpResponse::empty(418);
  }
  int calls = 0;
};

TEST(WebFront, PagesForUnknownGetsAndTheApiForTheRest) {
  WebAssets assets = test_assets();
  FakeApi api;
  WebFront front(
      api,
      [](const runtime::HttpRequest& r) {
        return r.path == "/healthz" || r.path.starts_with("/badge/");
      },
      assets);
  auto page = get("/runs/3");
  EXPECT_EQ(front.handle(page).status, 200);
  auto asset = get("/v/abc123/app.js");
  EXPECT_EQ(front.handle(asset).status, 200);
  EXPECT_EQ(api.calls, 0);
  for (std::string path : {"/healthz", "/badge/p/ci.svg", "/api/v1/nope", "/api"}) {
    auto request = get(path);
    EXPECT_EQ(front.handle(request).status, 418) << path;
  }
  auto post = get("/runs");
  post.method = "POST";
  EXPECT_EQ(front.handle(post).status, 418);
  EXPECT_EQ(front.plan_body(post).limit, 123u);
  EXPECT_EQ(api.calls, 5);
}

}  // namespace
}  // namespace sluice::server
