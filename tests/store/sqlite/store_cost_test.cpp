// What the store costs per step: one job of 500 trivial steps, recorded the way the
// engine records them (step running, attempt running, log open/append/close, attempt
// finished, step finished). The figure is printed; the bound is loose on purpose (timing
// goals live in bench/), it only catches a store that would dominate a ~1 ms step.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <chrono>

#include "../temp_dir.h"
#include "store/sqlite/sqlite_store.h"

namespace sluice::store {
namespace {

using engine::RunStatus;

TEST(StoreCost, FiveHundredStepJobIsNotDominatedByTheStore) {
  testing::TempDir dir;
  auto store = SqliteStore::open(dir.path());
  ASSERT_TRUE(store.ok());
  engine::RunRecord run;
  run.workflow_file = "steps.yml";
  ASSERT_TRUE((*store)->create_run(run).ok());
  engine::JobRecord job{run.id, "many", "many", "", "", RunStatus::kRunning, "", 1, "", 1, 0, ""};
  ASSERT_TRUE((*store)->save_job(job).ok());

  constexpr int kSteps = 500;
  auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < kSteps; ++i) {
    engine::StepRecord step;
    step.run_id = run.id;
    step.job_key = "many";
    step.index = i;
    step.status = RunStatus::kRunning;
    ASSERT_TRUE((*store)->save_step(step).ok());
    engine::AttemptRecord attempt;
    attempt.run_id = run.id;
    attempt.job_key = "many";
    attempt.step_index = i;
    ASSERT_TRUE((*store)->save_attempt(attempt).ok());
    auto log = (*store)->open_log(attempt);
    ASSERT_TRUE(log.ok());
    (*log)->append_line("true");
    (*log)->close();
    attempt.status = RunStatus::kSuccess;
    attempt.exit_code = 0;
    attempt.log_lines = (*log)->lines();
    attempt.log_bytes = (*log)->bytes();
    ASSERT_TRUE((*store)->save_attempt(attempt).ok());
    step.status = step.outcome = RunStatus::kSuccess;
    step.attempts = 1;
    step.exit_code = 0;
    ASSERT_TRUE((*store)->save_step(step).ok());
  }
  double total_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  double per_step_us = total_ms * 1000.0 / kSteps;
  std::cout << fmt::format(
      "[ cost     ] {} steps in {:.1f} ms: {:.0f} us per step (4 writes + 1 log file), "
      "{:.0f} us per write\n",
      kSteps, total_ms, per_step_us, per_step_us / 5.0);
  EXPECT_LT(per_step_us, 5000.0);
  auto detail = (*store)->load_run(run.id);
  ASSERT_TRUE(detail.ok());
  EXPECT_EQ(detail->steps.size(), static_cast<size_t>(kSteps));
  EXPECT_EQ(engine::compute_step_statistics(detail->steps).succeeded, kSteps);
}

}  // namespace
}  // namespace sluice::store
