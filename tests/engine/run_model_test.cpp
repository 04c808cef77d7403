// The run_model functions: status names, statistics and the summary line.
#include "engine/run_model.h"

#include <gtest/gtest.h>

namespace sluice::engine {
namespace {

StepRecord step_with(RunStatus status) {
  StepRecord step;
  step.status = status;
  return step;
}

TEST(RunStatus, NamesRoundTrip) {
  for (RunStatus status :
       {RunStatus::kQueued, RunStatus::kWaiting, RunStatus::kRunning, RunStatus::kSuccess,
        RunStatus::kFailure, RunStatus::kTimedOut, RunStatus::kCancelled, RunStatus::kSkipped}) {
    EXPECT_EQ(run_status_from_string(to_string(status)), status) << to_string(status);
  }
  EXPECT_STREQ(to_string(RunStatus::kTimedOut), "timed_out");
  EXPECT_EQ(run_status_from_string("something-new"), RunStatus::kQueued);
}

TEST(RunStatus, TerminalStates) {
  EXPECT_FALSE(is_terminal(RunStatus::kQueued));
  EXPECT_FALSE(is_terminal(RunStatus::kWaiting));
  EXPECT_FALSE(is_terminal(RunStatus::kRunning));
  EXPECT_TRUE(is_terminal(RunStatus::kSuccess));
  EXPECT_TRUE(is_terminal(RunStatus::kFailure));
  EXPECT_TRUE(is_terminal(RunStatus::kTimedOut));
  EXPECT_TRUE(is_terminal(RunStatus::kCancelled));
  EXPECT_TRUE(is_terminal(RunStatus::kSkipped));
}

TEST(RunStatus, GithubResultCountsTimeoutAsFailure) {
  EXPECT_STREQ(github_result(RunStatus::kSuccess), "success");
  EXPECT_STREQ(github_result(RunStatus::kFailure), "failure");
  EXPECT_STREQ(github_result(RunStatus::kTimedOut), "failure");
  EXPECT_STREQ(github_result(RunStatus::kCancelled), "cancelled");
  EXPECT_STREQ(github_result(RunStatus::kSkipped), "skipped");
}

TEST(RunStatistics, CountsEveryStepOnce) {
  std::vector<StepRecord> steps;
  for (RunStatus status :
       {RunStatus::kSuccess, RunStatus::kSuccess, RunStatus::kFailure, RunStatus::kTimedOut,
        RunStatus::kCancelled, RunStatus::kSkipped, RunStatus::kSkipped, RunStatus::kRunning,
        RunStatus::kQueued, RunStatus::kWaiting}) {
    steps.push_back(step_with(status));
  }
  RunStatistics stats = compute_step_statistics(steps);
  EXPECT_EQ(stats.total, 10);
  EXPECT_EQ(stats.succeeded, 2);
  EXPECT_EQ(stats.failed, 1);
  EXPECT_EQ(stats.timed_out, 1);
  EXPECT_EQ(stats.cancelled, 1);
  EXPECT_EQ(stats.skipped, 2);
  EXPECT_EQ(stats.running, 3);
  EXPECT_EQ(format_statistics(stats),
            "10 actions: 2 succeeded, 1 failed, 1 timed out, 1 cancelled, 2 skipped, 3 running");
}

TEST(RunStatistics, UsesTheConclusionNotTheOutcome) {
  StepRecord continued = step_with(RunStatus::kSuccess);
  continued.outcome = RunStatus::kFailure;  // continue-on-error
  EXPECT_EQ(compute_step_statistics({continued}).succeeded, 1);
}

TEST(RunStatistics, SummaryLineOfTheEtlExample) {
  std::vector<StepRecord> steps(7, step_with(RunStatus::kSuccess));
  EXPECT_EQ(format_statistics(compute_step_statistics(steps)),
            "7 actions: 7 succeeded, 0 failed, 0 timed out, 0 cancelled, 0 skipped, 0 running");
  EXPECT_EQ(format_statistics(compute_step_statistics({step_with(RunStatus::kSuccess)})),
            "1 action: 1 succeeded, 0 failed, 0 timed out, 0 cancelled, 0 skipped, 0 running");
  EXPECT_EQ(format_statistics(RunStatistics{}),
            "0 actions: 0 succeeded, 0 failed, 0 timed out, 0 cancelled, 0 skipped, 0 running");
}

TEST(FormatDuration, PicksAReadableUnit) {
  EXPECT_EQ(format_duration_ms(-1), "-");
  EXPECT_EQ(format_duration_ms(0), "0ms");
  EXPECT_EQ(format_duration_ms(850), "850ms");
  EXPECT_EQ(format_duration_ms(12'345), "12.3s");
  EXPECT_EQ(format_duration_ms(59'999), "59.9s");
  EXPECT_EQ(format_duration_ms(245'000), "4m 05s");
  EXPECT_EQ(format_duration_ms(7'380'000), "2h 03m");
}

}  // namespace
}  // namespace sluice::engine

namespace sluice::engine {
namespace {

JobRecord job(const std::string& key, RunStatus status) {
  JobRecord j;
  j.key = key;
  j.status = status;
  return j;
}

TEST(ActionStatistics, CountsJobInstancesNotTheRecordsThatGroupThem) {
  std::vector<JobRecord> jobs = {
      job("crawl", RunStatus::kSuccess),      job("crawl (a)", RunStatus::kSuccess),
      job("crawl (b)", RunStatus::kFailure),  job("call", RunStatus::kSuccess),
      job("call / one", RunStatus::kSuccess), job("call-2", RunStatus::kSkipped),
      job("deploy", RunStatus::kRunning)};
  RunStatistics s = compute_action_statistics(jobs);
  EXPECT_EQ(s.total, 5);
  EXPECT_EQ(s.succeeded, 2);
  EXPECT_EQ(s.failed, 1);
  EXPECT_EQ(s.skipped, 1);
  EXPECT_EQ(s.running, 1);
  EXPECT_EQ(format_statistics(s, "step"),
            "5 steps: 2 succeeded, 1 failed, 0 timed out, 0 cancelled, 1 skipped, 1 running");
}

}  // namespace
}  // namespace sluice::engine
