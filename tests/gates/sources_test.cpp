#include "gates/sources.h"

#include <gtest/gtest.h>

#include <map>

#include "gate_fakes.h"

namespace sluice::gates {
namespace {

using testing::fixture;

SourceOptions options(const std::string& kind, const std::string& url = "") {
  SourceOptions o;
  o.kind = kind;
  o.url = url;
  return o;
}

// Answers by URL; records every call.
struct FakeHttp {
  std::map<std::string, std::vector<HttpReply>> replies;  // url -> replies (last repeats)
  std::vector<HttpCall> calls;
  HttpFetch fetch() {
    return [this](const HttpCall& call) -> Result<HttpReply> {
      calls.push_back(call);
      auto it = replies.find(call.url);
      if (it == replies.end()) return Error{"cannot connect to " + call.url, {}};
      HttpReply r = it->second.front();
      if (it->second.size() > 1) it->second.erase(it->second.begin());
      return r;
    };
  }
};

TEST(Sources, StatuspageBlocksThenClears) {
  FakeHttp http;
  std::string url = "http://127.0.0.1:9/api/v2/summary.json";
  http.replies[url] = {{200, fixture("statuspage_incident.json")},
                       {200, fixture("statuspage_resolved.json")}};
  auto source = make_source(options("statuspage", url), http.fetch());
  ASSERT_TRUE(source.ok()) << source.error().message;
  auto first = (*source)->poll();
  ASSERT_TRUE(first.ok());
  EXPECT_FALSE(first->empty());
  auto second = (*source)->poll();
  ASSERT_TRUE(second.ok());
  for (const auto& e : *second) EXPECT_FALSE(EventFilter{}.blocks(e));
}

TEST(Sources, HttpStatusAndUnreachableAreSourceErrors) {
  FakeHttp http;
  http.replies["http://h/s"] = {{503, "upstream down\n"}};
  auto source = make_source(options("statuspage", "http://h/s"), http.fetch());
  auto r = (*source)->poll();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "HTTP 503 from http://h/s: upstream down ");
  auto other = make_source(options("statuspage", "http://x/"), http.fetch());
  EXPECT_EQ((*other)->poll().error().message, "cannot connect to http://x/");
}

TEST(Sources, HttpConditionIsClearWhenItHolds) {
  FakeHttp http;
  http.replies["http://h/health"] = {{200, R"({"status":"degraded"})"},
                                     {200, R"({"status":"ok"})"}};
  SourceOptions o = options("http", "http://h/health");
  o.condition = R"($.status == "ok")";
  auto source = make_source(o, http.fetch());
  ASSERT_TRUE(source.ok()) << source.error().message;
  auto blocked = (*source)->poll();
  ASSERT_TRUE(blocked.ok());
  ASSERT_EQ(blocked->size(), 1u);
  EXPECT_EQ((*blocked)[0].summary, R"(not $.status == "ok"; selected: "degraded")");
  auto clear = (*source)->poll();
  ASSERT_TRUE(clear.ok());
  EXPECT_TRUE(clear->empty());
}

TEST(Sources, PrometheusSendsTheEncodedInstantQuery) {
  FakeHttp http;
  std::string url = "http://prom:9090/api/v1/query?query=ALERTS%7Balertstate%3D%22firing%22%7D";
  http.replies[url] = {{200, fixture("prometheus_vector.json")}};
  SourceOptions o = options("prometheus", "http://prom:9090/");
  o.query = R"(ALERTS{alertstate="firing"})";
  auto source = make_source(o, http.fetch());
  auto r = (*source)->poll();
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->size(), 2u);
}

TEST(Sources, CommandPrintsEventsAsJson) {
  SourceOptions o = options("command");
  o.command = "cat '" + std::string(SLUICE_TEST_DATA) + "/gates/fixtures/command_events.json'";
  auto source = make_source(o);
  auto r = (*source)->poll();
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].id, "deploy-freeze-42");
  o.command = "exit 3";
  auto failing = make_source(o);
  auto f = (*failing)->poll();
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.error().message, "the command exited with status 3: exit 3");
}

TEST(Sources, AwsHealthSignsFollowsNextTokenAndCollectsEveryPage) {
  FakeHttp http;
  std::string endpoint = "http://127.0.0.1:8080/";
  http.replies[endpoint] = {{200, fixture("aws_describe_events_page1.json")},
                            {200, fixture("aws_describe_events_page2.json")}};
  SourceOptions o = options("aws-health");
  o.endpoint = endpoint;
  o.credentials = {"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "TOKEN"};
  o.amz_date = [] { return std::string("20150830T123600Z"); };
  auto source = make_source(o, http.fetch());
  ASSERT_TRUE(source.ok()) << source.error().message;
  auto r = (*source)->poll();
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->size(), 3u);
  ASSERT_EQ(http.calls.size(), 2u);
  EXPECT_EQ(http.calls[0].method, "POST");
  EXPECT_EQ(http.calls[0].content_type, "application/x-amz-json-1.1");
  EXPECT_EQ(http.calls[0].body.find("nextToken"), std::string::npos);
  EXPECT_NE(http.calls[1].body.find(R"("nextToken":"page-2-token")"), std::string::npos);
  bool target = false, auth = false, token = false;
  for (const auto& [n, v] : http.calls[0].headers) {
    if (n == "X-Amz-Target" && v == "AWSHealth_20160804.DescribeEvents") target = true;
    if (n == "Authorization" &&
        v.rfind("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/health/aws4_request, "
                "SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target, "
                "Signature=",
                0) == 0)
      auth = true;
    if (n == "X-Amz-Security-Token" && v == "TOKEN") token = true;
  }
  EXPECT_TRUE(target);
  EXPECT_TRUE(auth);
  EXPECT_TRUE(token);
}

TEST(Sources, AwsHealthErrorsCarryTheServiceMessage) {
  FakeHttp http;
  http.replies["http://h/"] = {
      {400, R"({"__type":"SubscriptionRequiredException","message":"not subscribed"})"}};
  SourceOptions o = options("aws-health");
  o.endpoint = "http://h/";
  o.credentials = {"AKID", "SECRET", ""};
  auto r = (*make_source(o, http.fetch()))->poll();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message,
            "AWS Health DescribeEvents: HTTP 400 SubscriptionRequiredException: not subscribed");
  // The secret never appears in what is sent, only its signature.
  for (const auto& [n, v] : http.calls[0].headers) EXPECT_EQ(v.find("SECRET"), std::string::npos);
}

TEST(Sources, MissingInputsAreNamed) {
  EXPECT_EQ(make_source(options("http", "http://h/")).error().message,
            "source: http needs `condition`");
  EXPECT_EQ(make_source(options("statuspage")).error().message, "source: statuspage needs `url`");
  EXPECT_NE(make_source(options("aws-health")).error().message.find("AWS_ACCESS_KEY_ID"),
            std::string::npos);
  EXPECT_NE(make_source(options("pagerduty")).error().message.find("unknown health source"),
            std::string::npos);
}

TEST(Sources, TheDefaultFetchRefusesHttps) {
  auto r = default_http_fetch(std::chrono::milliseconds(100))(
      HttpCall{"GET", "https://status.example.com/x", {}, "", ""});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("https"), std::string::npos) << r.error().message;
}

}  // namespace
}  // namespace sluice::gates
