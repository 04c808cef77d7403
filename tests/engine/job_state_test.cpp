// What the store holds about a job while it runs: crash recovery and `sluice show` read
// the store, not the progress printer.
#include <gtest/gtest.h>

#include "engine_harness.h"

namespace sluice::engine::testing {
namespace {

using JobStateTest = EngineHarness;

// Regression: jobs were stored as queued until they finished.
TEST_F(JobStateTest, ARunningJobIsStoredAsRunning) {
  start(R"(
on: push
jobs:
  a: {runs-on: x, steps: [{run: a}]}
  b: {runs-on: x, needs: a, steps: [{run: b}]}
)");
  ASSERT_EQ(running(), std::vector<std::string>{"a"});
  EXPECT_EQ(job("a").status, RunStatus::kRunning);
  EXPECT_GT(job("a").started_ms, -1);
  EXPECT_EQ(job("b").status, RunStatus::kQueued);
  finish("a");
  EXPECT_EQ(job("a").status, RunStatus::kSuccess);
  EXPECT_EQ(job("b").status, RunStatus::kRunning);
}

}  // namespace
}  // namespace sluice::engine::testing
