#include "server/badge.h"

#include <gtest/gtest.h>

#include <string>

namespace sluice::server {
namespace {

using engine::RunStatus;

runtime::HttpRequest get(std::string path) {
  runtime::HttpRequest request;
  request.method = "GET";
  request.path = path;
  request.target = path;
  return request;
}

TEST(Badge, StatesFromTheLatestFinishedRun) {
  EXPECT_EQ(badge_state(RunStatus::kSuccess), BadgeState::kPassing);
  EXPECT_EQ(badge_state(RunStatus::kFailure), BadgeState::kFailing);
  EXPECT_EQ(badge_state(RunStatus::kTimedOut), BadgeState::kFailing);
  EXPECT_EQ(badge_state(RunStatus::kInterrupted), BadgeState::kFailing);
  EXPECT_EQ(badge_state(RunStatus::kCancelled), BadgeState::kCancelled);
  EXPECT_EQ(badge_state(std::nullopt), BadgeState::kNoStatus);
  EXPECT_STREQ(badge_text(BadgeState::kNoStatus), "no status");
}

TEST(Badge, SvgHasTitleBothTextsAndColour) {
  std::string svg = render_badge("CI", BadgeState::kPassing);
  EXPECT_EQ(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0), 0u);
  EXPECT_NE(svg.find("<title>CI: passing</title>"), std::string::npos);
  EXPECT_NE(svg.find(">CI</text>"), std::string::npos);
  EXPECT_NE(svg.find(">passing</text>"), std::string::npos);
  EXPECT_NE(svg.find("#2e7d32"), std::string::npos);
  std::string failing = render_badge("CI", BadgeState::kFailing);
  EXPECT_NE(failing.find("#c62828"), std::string::npos);
  EXPECT_NE(failing.find(">failing</text>"), std::string::npos);
}

TEST(Badge, IdsDifferBetweenBadges) {
  auto clip = [](const std::string& svg) {
    size_t at = svg.find("clipPath id=\"") + 13;
    return svg.substr(at, svg.find('"', at) - at);
  };
  std::string a = render_badge("CI", BadgeState::kPassing);
  std::string b = render_badge("Nightly", BadgeState::kFailing);
  EXPECT_NE(clip(a), clip(b));
  EXPECT_NE(a.find("url(#" + clip(a) + ")"), std::string::npos);
}

TEST(Badge, WidthGrowsWithTheLabel) {
  auto width = [](const std::string& svg) {
    size_t at = svg.find("width=\"") + 7;
    return std::stoi(svg.substr(at, svg.find('"', at) - at));
  };
  EXPECT_LT(width(render_badge("CI", BadgeState::kPassing)),
            width(render_badge("Nightly integration", BadgeState::kPassing)));
  EXPECT_LT(width(render_badge("ii", BadgeState::kPassing)),
            width(render_badge("MM", BadgeState::kPassing)));
}

TEST(Badge, LabelIsEscaped) {
  std::string svg = render_badge("<script>&\"'\x01", BadgeState::kNoStatus);
  EXPECT_EQ(svg.find("<script>"), std::string::npos);
  EXPECT_NE(svg.find("&lt;script&gt;&amp;&quot;&apos;"), std::string::npos);
  EXPECT_EQ(svg.find('\x01'), std::string::npos);
}

TEST(BadgeRoutes, LooksUpProjectAndWorkflowFromThePath) {
  std::string seen_project, seen_workflow;
  BadgeRoutes routes([&](const std::string& project, const std::string& workflow) {
    seen_project = project;
    seen_workflow = workflow;
    return Result<BadgeLookupResult>(BadgeLookupResult{true, "Build & test", RunStatus::kFailure});
  });
  auto request = get("/badge/my%20app/ci.yml.svg");
  runtime::HttpResponse response = routes.handle(request);
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.content_type, "image/svg+xml; charset=utf-8");
  EXPECT_EQ(seen_project, "my app");
  EXPECT_EQ(seen_workflow, "ci.yml");
  EXPECT_NE(response.body.find("<title>Build &amp; test: failing</title>"), std::string::npos);
}

TEST(BadgeRoutes, UnknownWorkflowIs404WithABadgeAndBadPathsAre400) {
  BadgeRoutes routes([](const std::string&, const std::string&) {
    return Result<BadgeLookupResult>(BadgeLookupResult{});
  });
  auto missing = get("/badge/app/nope.svg");
  runtime::HttpResponse response = routes.handle(missing);
  EXPECT_EQ(response.status, 404);
  EXPECT_NE(response.body.find("<title>nope: not found</title>"), std::string::npos);
  for (std::string path :
       {"/badge/app.svg", "/badge/app/ci.png", "/badge//ci.svg", "/badge/app/a%2Fb.svg"}) {
    auto request = get(path);
    EXPECT_EQ(routes.handle(request).status, 400) << path;
  }
}

TEST(BadgeRoutes, NoFinishedRunIsNoStatus) {
  BadgeRoutes routes([](const std::string&, const std::string&) {
    return Result<BadgeLookupResult>(BadgeLookupResult{true, "CI", std::nullopt});
  });
  auto request = get("/badge/app/ci.svg");
  runtime::HttpResponse response = routes.handle(request);
  EXPECT_EQ(response.status, 200);
  EXPECT_NE(response.body.find(">no status</text>"), std::string::npos);
}

}  // namespace
}  // namespace sluice::server
