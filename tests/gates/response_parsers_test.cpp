#include "gates/response_parsers.h"

#include <gtest/gtest.h>

#include "gate_fakes.h"
#include "gates/gate_json.h"
#include "gates/json_path.h"

namespace sluice::gates {
namespace {

using testing::fixture;

TEST(StatuspageSummary, OpenIncidentAndDegradedComponentBlock) {
  auto events = parse_statuspage_summary(fixture("statuspage_incident.json"));
  ASSERT_TRUE(events.ok()) << events.error().message;
  ASSERT_EQ(events->size(), 3u);
  const auto& component = (*events)[0];
  EXPECT_EQ(component.id, "b13yz5g2cw10");
  EXPECT_EQ(component.service, "API");
  EXPECT_EQ(component.event_type, "partial_outage");
  EXPECT_EQ(component.status, "open");
  const auto& incident = (*events)[1];
  EXPECT_EQ(incident.id, "cp306tmzcl0y");
  EXPECT_EQ(incident.category, "issue");
  EXPECT_EQ(incident.service, "API");
  EXPECT_EQ(incident.summary, "Elevated API errors [identified]");
  const auto& maintenance = (*events)[2];
  EXPECT_EQ(maintenance.category, "scheduledChange");
  EXPECT_EQ(maintenance.status, "upcoming");
  EXPECT_EQ(maintenance.service, "Website");
  // The default filter (status open) blocks on the first two only.
  EventFilter f;
  EXPECT_TRUE(f.blocks(component));
  EXPECT_TRUE(f.blocks(incident));
  EXPECT_FALSE(f.blocks(maintenance));
}

TEST(StatuspageSummary, ResolvedIncidentAndOperationalComponentsAreClear) {
  auto events = parse_statuspage_summary(fixture("statuspage_resolved.json"));
  ASSERT_TRUE(events.ok()) << events.error().message;
  for (const auto& e : *events) EXPECT_FALSE(EventFilter{}.blocks(e)) << describe_event(e);
}

TEST(StatuspageSummary, MalformedResponsesAreErrorsWithAClearMessage) {
  auto not_json = parse_statuspage_summary("<html>502 Bad Gateway</html>");
  ASSERT_FALSE(not_json.ok());
  EXPECT_NE(not_json.error().message.find("statuspage response is not JSON"), std::string::npos);
  auto wrong_shape = parse_statuspage_summary(R"({"page":{}})");
  ASSERT_FALSE(wrong_shape.ok());
  EXPECT_NE(wrong_shape.error().message.find("/api/v2/summary.json"), std::string::npos);
  EXPECT_FALSE(parse_statuspage_summary(R"({"components":[1]})").ok());
  EXPECT_FALSE(parse_statuspage_summary(R"({"components":[],"incidents":{}})").ok());
  std::string deep(100, '[');
  deep += std::string(100, ']');
  auto too_deep = parse_statuspage_summary(deep);
  ASSERT_FALSE(too_deep.ok());
  EXPECT_NE(too_deep.error().message.find("nested deeper than 64"), std::string::npos)
      << too_deep.error().message;
  auto too_big = parse_statuspage_summary(std::string(kMaxResponseBytes + 1, ' '));
  ASSERT_FALSE(too_big.ok());
  EXPECT_NE(too_big.error().message.find("too large"), std::string::npos);
}

TEST(PrometheusQuery, EveryFiringSampleBlocksWithoutAThreshold) {
  auto events = parse_prometheus_query(fixture("prometheus_vector.json"), std::nullopt);
  ASSERT_TRUE(events.ok()) << events.error().message;
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ((*events)[0].event_type, "HighErrorRate");
  EXPECT_EQ((*events)[0].service, "api");
  EXPECT_EQ((*events)[0].region, "eu-west-1");
  EXPECT_NE((*events)[0].id.find("alertname=\"HighErrorRate\""), std::string::npos);
  auto empty = parse_prometheus_query(
      R"({"status":"success","data":{"resultType":"vector","result":[]}})", std::nullopt);
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

TEST(PrometheusQuery, AThresholdBlocksOnlySamplesAboveIt) {
  auto events = parse_prometheus_query(fixture("prometheus_ratio.json"), 0.05);
  ASSERT_TRUE(events.ok()) << events.error().message;
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].service, "api");
  auto scalar = parse_prometheus_query(
      R"({"status":"success","data":{"resultType":"scalar","result":[1,"0.5"]}})", 1.0);
  ASSERT_TRUE(scalar.ok());
  EXPECT_TRUE(scalar->empty());
}

TEST(PrometheusQuery, ErrorsAndMalformedResponses) {
  auto err = parse_prometheus_query(fixture("prometheus_error.json"), std::nullopt);
  ASSERT_FALSE(err.ok());
  EXPECT_NE(err.error().message.find("prometheus query failed: bad_data: invalid parameter"),
            std::string::npos);
  EXPECT_FALSE(
      parse_prometheus_query(R"({"status":"success","data":{"resultType":"matrix","result":[]}})",
                             std::nullopt)
          .ok());
  EXPECT_FALSE(
      parse_prometheus_query(
          R"({"status":"success","data":{"resultType":"vector","result":[{"value":[1,2]}]}})",
          std::nullopt)
          .ok());
  EXPECT_FALSE(
      parse_prometheus_query(
          R"({"status":"success","data":{"resultType":"vector","result":[{"value":[1,"x"]}]}})",
          std::nullopt)
          .ok());
  EXPECT_FALSE(parse_prometheus_query("[]", std::nullopt).ok());
}

TEST(EventsJson, ReadsAwsHealthDescribeEventsPagesAndTheCommandShape) {
  std::string token;
  auto page = parse_events_json(fixture("aws_describe_events_page1.json"), "aws-health", &token);
  ASSERT_TRUE(page.ok()) << page.error().message;
  EXPECT_EQ(token, "page-2-token");
  ASSERT_EQ(page->size(), 2u);
  EXPECT_EQ((*page)[0].id,
            "arn:aws:health:eu-west-1::event/EC2/AWS_EC2_OPERATIONAL_ISSUE/"
            "AWS_EC2_OPERATIONAL_ISSUE_ABC123");
  EXPECT_EQ((*page)[0].region, "eu-west-1");
  EXPECT_EQ((*page)[0].service, "EC2");
  EXPECT_EQ((*page)[0].category, "issue");
  EXPECT_EQ((*page)[0].status, "open");
  EXPECT_EQ((*page)[1].status, "upcoming");
  EXPECT_EQ((*page)[1].event_type, "AWS_RDS_MAINTENANCE_SCHEDULED");
  auto command = parse_events_json(fixture("command_events.json"), "command");
  ASSERT_TRUE(command.ok());
  ASSERT_EQ(command->size(), 1u);
  EXPECT_EQ((*command)[0].id, "deploy-freeze-42");
  EXPECT_EQ((*command)[0].category, "scheduledChange");
  EXPECT_EQ((*command)[0].event_type, "FREEZE");
  auto bad = parse_events_json(R"({"items":[]})", "command");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message,
            "command response is neither an array of events nor {\"events\": [...]}");
  EXPECT_FALSE(parse_events_json("[1]", "command").ok());
}

TEST(JsonPathCondition, SelectsMembersIndexesAndWildcards) {
  std::string doc =
      R"({"status":{"indicator":"none"},"checks":[{"ok":true,"ms":12},{"ok":true,"ms":40}],"odd key":{"v":3}})";
  auto eval = [&](const std::string& text) {
    auto c = parse_condition(text);
    EXPECT_TRUE(c.ok()) << text << ": " << (c.ok() ? "" : c.error().message);
    auto r = evaluate_condition(*c, doc);
    EXPECT_TRUE(r.ok());
    return r->holds;
  };
  EXPECT_TRUE(eval(R"($.status.indicator == "none")"));
  EXPECT_TRUE(eval(R"($.status.indicator == 'none')"));
  EXPECT_FALSE(eval(R"($.status.indicator != "none")"));
  EXPECT_TRUE(eval("$.checks[*].ok == true"));
  EXPECT_TRUE(eval("$.checks[1].ms > 30"));
  EXPECT_FALSE(eval("$.checks[*].ms < 30"));  // every selected value must hold
  EXPECT_TRUE(eval("$.checks[*].ms < 50"));
  EXPECT_TRUE(eval(R"($["odd key"].v == 3)"));
  EXPECT_FALSE(eval("$.missing == null"));  // selects nothing: false
  EXPECT_FALSE(eval("$.checks[7].ok == true"));
  EXPECT_FALSE(eval(R"($.status.indicator > 1)"));  // < > compare numbers only
}

TEST(JsonPathCondition, RejectsWhatTheSubsetDoesNotHave) {
  for (const char* bad : {"status == 1", "$..a == 1", "$.a[?(@.x)] == 1", "$.a ~= 1", "$.a == [1]",
                          "$.a == ", "$.a[1:2] == 1", "$.a[\"x == 1"}) {
    auto c = parse_condition(bad);
    EXPECT_FALSE(c.ok()) << bad;
    if (!c.ok()) {
      EXPECT_NE(c.error().message.find("invalid condition"), std::string::npos);
    }
  }
}

}  // namespace
}  // namespace sluice::gates
