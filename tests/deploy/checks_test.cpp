#include "deploy/checks.h"

#include <gtest/gtest.h>

#include "deploy_fakes.h"

namespace sluice::deploy::testing {
namespace {

CheckSpec spec(const std::string& name, int count, int failure_limit, int interval_ms) {
  CheckSpec c;
  c.name = name;
  c.count = count;
  c.failure_limit = failure_limit;
  c.interval = std::chrono::milliseconds(interval_ms);
  return c;
}

TEST(AnalysisTest, PassesAfterEveryMeasurementWithinLimits) {
  ScriptedProbe probe;
  ManualClock clock;
  std::ostringstream log;
  probe.script["a"] = {Verdict::kPass, Verdict::kFail, Verdict::kPass};
  int seen = 0;
  auto r = run_analysis({spec("a", 3, 1, 200)}, probe, clock, log,
                        [&](const CheckSpec&, const Measurement&) { ++seen; }, {});
  EXPECT_EQ(r.verdict, Verdict::kPass);
  EXPECT_EQ(seen, 3);
  EXPECT_EQ(clock.now_, std::chrono::milliseconds(400));
  EXPECT_NE(log.str().find("check a #2/3: fail (scripted fail)"), std::string::npos) << log.str();
}

TEST(AnalysisTest, FailsAtTheFirstMeasurementPastTheFailureLimit) {
  ScriptedProbe probe;
  ManualClock clock;
  std::ostringstream log;
  probe.script["a"] = {Verdict::kFail};
  auto r = run_analysis({spec("a", 100, 2, 100)}, probe, clock, log, {}, {});
  EXPECT_EQ(r.verdict, Verdict::kFail);
  EXPECT_EQ(r.measurements, 3);
  EXPECT_EQ(clock.now_, std::chrono::milliseconds(200));
  EXPECT_EQ(r.reason, "check a: 3 failed measurement(s), limit 2; last: scripted fail");
}

TEST(AnalysisTest, InconclusivePastItsLimitStops) {
  ScriptedProbe probe;
  ManualClock clock;
  std::ostringstream log;
  probe.script["a"] = {Verdict::kInconclusive};
  auto r = run_analysis({spec("a", 5, 0, 100)}, probe, clock, log, {}, {});
  EXPECT_EQ(r.verdict, Verdict::kInconclusive);
  EXPECT_EQ(r.measurements, 1);
}

TEST(AnalysisTest, ChecksRunSideBySideAtTheirOwnIntervals) {
  ScriptedProbe probe;
  ManualClock clock;
  std::ostringstream log;
  auto r =
      run_analysis({spec("fast", 4, 0, 100), spec("slow", 2, 0, 300)}, probe, clock, log, {}, {});
  EXPECT_EQ(r.verdict, Verdict::kPass);
  EXPECT_EQ(probe.taken["fast"], 4);
  EXPECT_EQ(probe.taken["slow"], 2);
  EXPECT_EQ(clock.now_, std::chrono::milliseconds(300));
}

TEST(AnalysisTest, AnInterruptionStopsTheWait) {
  ScriptedProbe probe;
  ManualClock clock;
  std::ostringstream log;
  auto r = run_analysis({spec("a", 10, 0, 1000)}, probe, clock, log, {},
                        [&] { return clock.now_ >= std::chrono::milliseconds(1500); });
  EXPECT_EQ(r.verdict, Verdict::kInconclusive);
  EXPECT_EQ(r.reason, "interrupted");
  EXPECT_EQ(probe.taken["a"], 2);
}

}  // namespace
}  // namespace sluice::deploy::testing
