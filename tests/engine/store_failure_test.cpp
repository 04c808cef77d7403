// A store that cannot record (a full disk, an I/O error) fails the run loudly, and what
// can still be written leaves the history consistent: a finished run has no running
// parts. The faults come from FaultStore over the in-memory store.
#include <gtest/gtest.h>

#include "engine/fault_store.h"
#include "engine_harness.h"

namespace sluice::engine::testing {
namespace {

constexpr const char* kTwoSteps = R"(
on: push
jobs:
  build: {runs-on: x, steps: [{run: one}, {run: two}]}
)";

class StoreFailureTest : public EngineHarness {
 protected:
  StoreFailureTest() { run_store_ = &faults_; }

  RunDetail stored() {
    auto detail = store_.load_run(engine_->run().id);
    EXPECT_TRUE(detail.ok());
    return detail.ok() ? *detail : RunDetail{};
  }
  // Every record of the stored run is final: nothing is left queued or running.
  void expect_all_final(const RunDetail& detail) {
    EXPECT_TRUE(is_terminal(detail.run.status)) << to_string(detail.run.status);
    for (const JobRecord& j : detail.jobs)
      EXPECT_TRUE(is_terminal(j.status)) << j.key << " " << to_string(j.status);
    for (const StepRecord& s : detail.steps)
      EXPECT_TRUE(is_terminal(s.status))
          << s.job_key << "#" << s.index << " " << to_string(s.status);
    for (const AttemptRecord& a : detail.attempts)
      EXPECT_TRUE(is_terminal(a.status)) << a.job_key << "#" << a.step_index;
  }

  FaultStore faults_{store_};
};

TEST_F(StoreFailureTest, WithoutFaultsTheRunSucceedsAndCountsNoStoreError) {
  start(kTwoSteps);
  finish("one");
  finish("two");
  ASSERT_TRUE(engine_->finished());
  EXPECT_EQ(engine_->run().status, RunStatus::kSuccess);
  EXPECT_EQ(context_->store_errors, 0);
  EXPECT_EQ(faults_.calls(StoreOp::kFlush), 1);  // deferred errors are collected at the end
}

TEST_F(StoreFailureTest, ALostStepResultFailsTheRun) {
  start(kTwoSteps);
  faults_.fail(StoreOp::kSaveStep);  // the first step's result
  finish("one");
  finish("two");
  ASSERT_TRUE(engine_->finished());
  EXPECT_EQ(engine_->run().status, RunStatus::kFailure);
  EXPECT_EQ(context_->store_errors, 1);
  EXPECT_NE(context_->first_store_error.find("save_step"), std::string::npos)
      << context_->first_store_error;
  RunDetail detail = stored();
  EXPECT_EQ(detail.run.status, RunStatus::kFailure);
  EXPECT_EQ(detail.run.reason, "not fully recorded: " + context_->first_store_error);
  // The lost result is closed with the run, and says why.
  ASSERT_EQ(detail.steps.size(), 2u);
  EXPECT_EQ(detail.steps[0].status, RunStatus::kFailure);
  EXPECT_EQ(detail.steps[0].reason, kNotRecordedReason);
  EXPECT_EQ(detail.steps[1].status, RunStatus::kSuccess);
  expect_all_final(detail);
}

TEST_F(StoreFailureTest, AnErrorReturnedLaterByFlushFailsTheRun) {
  start(kTwoSteps);
  faults_.fail(StoreOp::kFlush);
  finish("one");
  finish("two");
  ASSERT_TRUE(engine_->finished());
  EXPECT_EQ(engine_->run().status, RunStatus::kFailure);
  EXPECT_EQ(context_->store_errors, 1);
  EXPECT_EQ(stored().run.status, RunStatus::kFailure);
}

TEST_F(StoreFailureTest, ALogThatCannotBeWrittenFailsTheRunAndCountsOnlyStoredLines) {
  start(kTwoSteps);
  faults_.fill_logs_after(2);
  ASSERT_EQ(executor_.running().size(), 1u);
  const auto& log = executor_.running()[0]->request.log;
  ASSERT_TRUE(log);
  for (const char* line : {"a", "b", "c", "d"}) log->append_line(line);
  finish("one");
  finish("two");
  ASSERT_TRUE(engine_->finished());
  EXPECT_EQ(engine_->run().status, RunStatus::kFailure);
  EXPECT_NE(context_->first_store_error.find("step log"), std::string::npos)
      << context_->first_store_error;
  RunDetail detail = stored();
  ASSERT_FALSE(detail.attempts.empty());
  EXPECT_EQ(detail.attempts[0].log_lines, 2);
  EXPECT_EQ(store_.log_text(detail.attempts[0].log_path), "a\nb\n");
}

TEST_F(StoreFailureTest, ALogThatCannotBeOpenedFailsTheRun) {
  start(kTwoSteps);
  faults_.fail(StoreOp::kOpenLog);  // the second step's
  finish("one");
  finish("two");
  ASSERT_TRUE(engine_->finished());
  EXPECT_EQ(engine_->run().status, RunStatus::kFailure);
  EXPECT_EQ(context_->store_errors, 1);
}

TEST_F(StoreFailureTest, AFailedRunStaysFailedAndACancelledOneCancelled) {
  start(kTwoSteps);
  faults_.fail(StoreOp::kSaveAttempt);
  engine_->cancel();
  pump();
  ASSERT_TRUE(engine_->finished());
  EXPECT_EQ(engine_->run().status, RunStatus::kCancelled);
  RunDetail detail = stored();
  EXPECT_EQ(detail.run.status, RunStatus::kCancelled);
  expect_all_final(detail);
}

TEST_F(StoreFailureTest, AFullDiskMidRunStillEndsTheRunAndSaysTheFinalStatusWasNotSaved) {
  start(kTwoSteps);
  faults_.fail_all_writes();
  finish("one");
  finish("two");
  ASSERT_TRUE(engine_->finished());
  EXPECT_EQ(engine_->run().status, RunStatus::kFailure);
  EXPECT_GT(context_->store_errors, 1);
  EXPECT_NE(context_->last_store_error.find("cannot record the run's final status 'failure'"),
            std::string::npos)
      << context_->last_store_error;
  EXPECT_EQ(stored().run.status, RunStatus::kRunning);  // nothing could be written
}

TEST_F(StoreFailureTest, WhenOnlyTheRunCanStillBeSavedItsUnfinishedPartsAreClosed) {
  start(kTwoSteps);
  for (StoreOp op : {StoreOp::kSaveJob, StoreOp::kSaveStep, StoreOp::kSaveAttempt})
    faults_.fail(op, 1, /*and_after=*/true);
  finish("one");
  finish("two");
  ASSERT_TRUE(engine_->finished());
  RunDetail detail = stored();
  EXPECT_EQ(detail.run.status, RunStatus::kFailure);
  ASSERT_FALSE(detail.jobs.empty());
  EXPECT_EQ(detail.jobs[0].reason, kNotRecordedReason);
  expect_all_final(detail);
}

}  // namespace
}  // namespace sluice::engine::testing
