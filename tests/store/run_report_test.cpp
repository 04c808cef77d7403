#include "store/run_report.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>

#include "engine/memory_store.h"
#include "history_fixture.h"

namespace sluice::store::testing {
namespace {

class RunReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("TZ", "UTC", 1);
    tzset();
    ASSERT_TRUE(seed_history(store_).ok());
  }
  engine::MemoryStore store_;
};

TEST_F(RunReportTest, RunTableListsNewestFirstWithDurations) {
  auto runs = store_.list_runs(0);
  ASSERT_TRUE(runs.ok());
  EXPECT_EQ(format_run_table(*runs, kT0 + 75'000),
            "ID  WORKFLOW  EVENT              STATUS   DURATION  STARTED\n"
            "2   ETL #2    schedule           running  15.0s     2025-11-29 19:31:00\n"
            "1   ETL #1    workflow_dispatch  success  4.2s      2025-11-29 19:30:00\n");
}

TEST_F(RunReportTest, ShowPrintsJobsStepsAttemptsStatisticsAndAnnotations) {
  auto detail = store_.load_run(1);
  ASSERT_TRUE(detail.ok());
  EXPECT_EQ(
      format_run_detail(*detail, kT0 + 75'000),
      "run 1  ETL #1  success  4.2s\n"
      "  workflow  .github/workflows/etl.yml\n"
      "  event     workflow_dispatch  refs/heads/main  0123456789ab\n"
      "  started   2025-11-29 19:30:00\n"
      "  finished  2025-11-29 19:30:04\n"
      "  inputs    {\"month\":\"2025-11\"}\n"
      "\n"
      "job crawl (cases)  success  3.0s\n"
      "  outputs {\"rows\":\"120\"}\n"
      "  1.  Fetch cases  success  850ms\n"
      "  2.  validate     success  2.1s   2 attempts\n"
      "        attempt 1  failure  1.0s   2 lines; exit code 1; retrying in 1s (exit-codes: [1])\n"
      "        attempt 2  success  1.1s   1 line\n"
      "\n"
      "job denormalize  success  1.2s\n"
      "  1.  Join tables  success  1.2s\n"
      "\n"
      "2 actions: 2 succeeded, 0 failed, 0 timed out, 0 cancelled, 0 skipped, 0 running\n"
      "3 steps: 3 succeeded, 0 failed, 0 timed out, 0 cancelled, 0 skipped, 0 running\n"
      "\n"
      "annotations\n"
      "  data/population.csv:17  warning  3 rows without population  [denormalize step 1]\n");
}

TEST_F(RunReportTest, ARunStillGoingShowsRunningCounts) {
  engine::StepRecord step;
  step.run_id = 2;
  step.job_key = "crawl (icu)";
  step.status = engine::RunStatus::kRunning;
  step.started_ms = kT0 + 60'000;
  ASSERT_TRUE(store_.save_step(step).ok());
  auto detail = store_.load_run(2);
  ASSERT_TRUE(detail.ok());
  std::string text = format_run_detail(*detail, kT0 + 65'000);
  EXPECT_NE(text.find("run 2  ETL #2  running  5.0s\n"), std::string::npos) << text;
  EXPECT_NE(text.find("job crawl (icu)\n  1.  step 1  running  5.0s\n"), std::string::npos) << text;
  EXPECT_NE(
      text.find("1 step: 0 succeeded, 0 failed, 0 timed out, 0 cancelled, 0 skipped, 1 running"),
      std::string::npos)
      << text;
}

TEST(FormatTimestamp, ZeroIsADash) {
  EXPECT_EQ(format_timestamp_ms(0), "-");
}

}  // namespace
}  // namespace sluice::store::testing

namespace sluice::store::testing {
namespace {

TEST(StepLabel, NameThenIdThenNumberAndOnlyTheFirstLine) {
  engine::StepRecord step;
  step.index = 4;
  EXPECT_EQ(step_label(step), "step 5");
  step.step_id = "compile";
  EXPECT_EQ(step_label(step), "compile");
  step.name = "Run make\nmake install";
  EXPECT_EQ(step_label(step), "Run make...");
  step.name = std::string(70, 'n');
  EXPECT_EQ(step_label(step), std::string(48, 'n') + "...");
}

}  // namespace
}  // namespace sluice::store::testing
