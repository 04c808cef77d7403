#include "gates/gate_loop.h"

#include <gtest/gtest.h>

#include <sstream>

#include "gate_fakes.h"

namespace sluice::gates {
namespace {

using std::chrono::milliseconds;
using testing::ManualGateClock;
using testing::ScriptedSource;

HealthEvent open_issue(const std::string& id, const std::string& region = "eu-west-1",
                       const std::string& service = "EC2") {
  return HealthEvent{id, "issue", "open", region, service, "AWS_EC2_OPERATIONAL_ISSUE", ""};
}

GateConfig config(int stable_for = 2) {
  GateConfig c;
  c.interval = milliseconds(10'000);
  c.stable_for = stable_for;
  c.timeout = milliseconds(600'000);
  return c;
}

// Each test scripts the source's answers, then runs the gate on a manual clock.
class GateLoop : public ::testing::Test {
 protected:
  GateOutcome run(const GateConfig& c, const EventFilter& filter = {}) {
    return run_gate(c, source, filter, clock, log);
  }
  ScriptedSource source;
  ManualGateClock clock;
  std::ostringstream log;
};

TEST_F(GateLoop, WaitsWhileBlockedThenPassesAfterStableForClearPolls) {
  source.add({open_issue("ev-1")}, 3);
  source.add({});
  auto out = run(config(2));
  EXPECT_TRUE(out.passed);
  EXPECT_FALSE(out.warning);
  EXPECT_EQ(out.polls, 5);  // 3 blocked, 2 clear
  EXPECT_EQ(clock.sleeps, std::vector<milliseconds>(4, milliseconds(10'000)));
  EXPECT_NE(log.str().find("poll 1 (+0s): blocked by 1 event(s)"), std::string::npos) << log.str();
  EXPECT_NE(log.str().find("  blocking: id=ev-1 region=eu-west-1 service=EC2 status=open"),
            std::string::npos);
  EXPECT_NE(log.str().find("poll 5 (+40s): clear (2/2)"), std::string::npos) << log.str();
}

TEST_F(GateLoop, ABlockedPollBetweenClearOnesRestartsTheStreak) {
  source.add({});
  source.add({open_issue("ev-1")});
  source.add({});
  auto out = run(config(2));
  EXPECT_TRUE(out.passed);
  EXPECT_EQ(out.polls, 4);
}

TEST_F(GateLoop, FailsAtTimeoutNamingWhatBlocks) {
  source.add({open_issue("ev-1")});
  GateConfig c = config();
  c.timeout = milliseconds(35'000);
  auto out = run(c);
  EXPECT_FALSE(out.passed);
  EXPECT_EQ(out.polls, 4);  // at +0, +10, +20, +30 s; then it waits out the last 5 s
  EXPECT_EQ(clock.sleeps.back(), milliseconds(5'000));
  EXPECT_NE(out.reason.find("timed out after 35s: blocked by 1 event(s), first: id=ev-1"),
            std::string::npos)
      << out.reason;
}

TEST_F(GateLoop, OnTimeoutPassPassesWithAWarning) {
  source.add({open_issue("ev-1")});
  GateConfig c = config();
  c.timeout = milliseconds(20'000);
  c.on_timeout = OnTimeout::kPass;
  auto out = run(c);
  EXPECT_TRUE(out.passed);
  EXPECT_TRUE(out.warning);
  EXPECT_NE(out.reason.find("passing as on-timeout: pass"), std::string::npos);
}

TEST_F(GateLoop, SourceErrorFailsWithFailPolicy) {
  source.add_error("HTTP 503 from http://x/");
  GateConfig c = config();
  c.on_source_error = OnSourceError::kFail;
  auto out = run(c);
  EXPECT_FALSE(out.passed);
  EXPECT_EQ(out.polls, 1);
  EXPECT_EQ(out.reason, "health source error: HTTP 503 from http://x/");
}

TEST_F(GateLoop, SourceErrorPassesWithAWarningWithPassPolicy) {
  source.add_error("unreachable");
  GateConfig c = config();
  c.on_source_error = OnSourceError::kPass;
  auto out = run(c);
  EXPECT_TRUE(out.passed);
  EXPECT_TRUE(out.warning);
  EXPECT_EQ(out.polls, 1);
}

TEST_F(GateLoop, RetryBacksOffDoublingUpToTheCapThenReturnsToTheInterval) {
  source.add_error("unreachable", 5);
  source.add({});
  GateConfig c = config(2);
  c.backoff_cap = milliseconds(60'000);
  auto out = run(c);
  EXPECT_TRUE(out.passed);
  EXPECT_EQ(out.polls, 7);
  std::vector<milliseconds> expected{milliseconds(20'000), milliseconds(40'000),
                                     milliseconds(60'000), milliseconds(60'000),
                                     milliseconds(60'000), milliseconds(10'000)};
  EXPECT_EQ(clock.sleeps, expected);
  EXPECT_NE(log.str().find("poll 1 (+0s): source error: unreachable"), std::string::npos);
  EXPECT_NE(log.str().find("retrying in 20s"), std::string::npos);
}

TEST_F(GateLoop, ASourceErrorResetsTheStableStreak) {
  source.add({});
  source.add_error("unreachable");
  source.add({});
  auto out = run(config(2));
  EXPECT_TRUE(out.passed);
  EXPECT_EQ(out.polls, 4);
}

TEST_F(GateLoop, RetryingSourceErrorsTimeOutWithTheLastError) {
  source.add_error("connection refused");
  GateConfig c = config();
  c.timeout = milliseconds(60'000);
  auto out = run(c);
  EXPECT_FALSE(out.passed);
  EXPECT_NE(out.reason.find("last poll failed: connection refused"), std::string::npos);
}

TEST_F(GateLoop, FilteredOutEventsDoNotBlock) {
  source.add({open_issue("ev-1", "us-east-1")});
  EventFilter f;
  f.regions = {"eu-*"};
  auto out = run(config(1), f);
  EXPECT_TRUE(out.passed);
  EXPECT_NE(log.str().find("1 event(s) filtered out"), std::string::npos);
}

TEST(EventFilter, MatchesCategoryStatusRegionServiceTypeAndIgnore) {
  HealthEvent e{"arn:aws:health:eu-west-1::event/EC2/X/1",
                "issue",
                "open",
                "eu-west-1",
                "EC2",
                "AWS_EC2_OPERATIONAL_ISSUE",
                ""};
  EXPECT_TRUE(EventFilter{}.blocks(e));
  EventFilter f;
  f.categories = {"scheduledChange"};
  EXPECT_FALSE(f.blocks(e));
  f = {};
  f.statuses = {"upcoming"};
  EXPECT_FALSE(f.blocks(e));
  f = {};
  f.regions = {"us-*"};
  EXPECT_FALSE(f.blocks(e));
  f.regions = {"us-*", "eu-west-?"};
  EXPECT_TRUE(f.blocks(e));
  f = {};
  f.services = {"RDS"};
  EXPECT_FALSE(f.blocks(e));
  f = {};
  f.event_types = {"AWS_EC2_*"};
  EXPECT_TRUE(f.blocks(e));
  f.event_types = {"AWS_RDS_*"};
  EXPECT_FALSE(f.blocks(e));
  f = {};
  f.ignore = {"arn:aws:health:*::event/EC2/**"};
  EXPECT_FALSE(f.blocks(e));
  f.ignore = {"arn:aws:health:eu-west-1::event/EC2/X/1"};
  EXPECT_FALSE(f.blocks(e));
  // An event without a region (global) is not filtered out by regions.
  HealthEvent global = e;
  global.region = "";
  f = {};
  f.regions = {"us-east-1"};
  EXPECT_TRUE(f.blocks(global));
}

TEST(GateInputs, ParsesDurationsAndPolicies) {
  EXPECT_EQ(*parse_duration("10s"), milliseconds(10'000));
  EXPECT_EQ(*parse_duration("0.2s"), milliseconds(200));
  EXPECT_EQ(*parse_duration("500ms"), milliseconds(500));
  EXPECT_EQ(*parse_duration("30m"), milliseconds(1'800'000));
  EXPECT_EQ(*parse_duration("2h"), milliseconds(7'200'000));
  EXPECT_EQ(*parse_duration("15"), milliseconds(15'000));
  EXPECT_FALSE(parse_duration("10x").ok());
  EXPECT_FALSE(parse_duration("s").ok());
  EXPECT_FALSE(parse_duration("").ok());
  EXPECT_FALSE(parse_duration("99999h").ok());
  EXPECT_EQ(*parse_on_source_error("pass"), OnSourceError::kPass);
  EXPECT_FALSE(parse_on_source_error("maybe").ok());
  EXPECT_EQ(*parse_on_timeout("pass"), OnTimeout::kPass);
  EXPECT_FALSE(parse_on_timeout("retry").ok());
}

}  // namespace
}  // namespace sluice::gates
