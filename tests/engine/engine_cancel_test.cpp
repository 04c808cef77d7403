// Cancelling a run (Ctrl-C, a concurrency group) as GitHub defines it: what stops, what
// never starts, what still runs, and how the run concludes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "engine/engine.h"
#include "engine_harness.h"

namespace sluice::engine::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

using EngineCancelTest = EngineHarness;

// Regression: jobs waiting for a --jobs slot started (and succeeded) after the cancel.
TEST_F(EngineCancelTest, JobsWaitingForASlotNeverStart) {
  start(R"(
on: push
jobs:
  a: {runs-on: x, steps: [{run: a}]}
  b: {runs-on: x, steps: [{run: b}]}
  c: {runs-on: x, steps: [{run: c}]}
  d: {runs-on: x, steps: [{run: d}]}
)",
        /*max_parallel_jobs=*/2);
  EXPECT_THAT(running(), ElementsAre("a", "b"));
  engine_->cancel();
  pump();
  EXPECT_THAT(running(), IsEmpty());
  EXPECT_TRUE(engine_->finished());
  EXPECT_EQ(executor_.started_count(), 2u);
  for (const char* key : {"a", "b", "c", "d"})
    EXPECT_EQ(job(key).status, RunStatus::kCancelled) << key;
  EXPECT_EQ(job("c").reason, "run cancelled");
  EXPECT_EQ(engine_->run().status, RunStatus::kCancelled);
}

TEST_F(EngineCancelTest, MatrixInstancesWaitingForMaxParallelNeverStart) {
  start(R"(
on: push
jobs:
  t:
    runs-on: x
    strategy: {max-parallel: 1, matrix: {n: [1, 2, 3]}}
    steps: [{run: "t${{ matrix.n }}"}]
)");
  engine_->cancel();
  pump();
  EXPECT_TRUE(engine_->finished());
  EXPECT_EQ(executor_.started_count(), 1u);
  EXPECT_EQ(job("t (3)").status, RunStatus::kCancelled);
  EXPECT_EQ(job("t").status, RunStatus::kCancelled);
}

// GitHub re-evaluates the `if` of running jobs: always() keeps a job going, untouched.
TEST_F(EngineCancelTest, RunningJobWhoseIfHoldsGoesOn) {
  start(R"(
on: push
jobs:
  keep: {runs-on: x, if: always(), steps: [{run: keep}, {run: keep2}]}
  stop: {runs-on: x, steps: [{run: stop}]}
)");
  engine_->cancel();
  pump();
  EXPECT_THAT(running(), ElementsAre("keep"));
  EXPECT_FALSE(executor_.all()[0]->cancel_requested);
  finish("keep");
  EXPECT_THAT(running(), ElementsAre("keep2"));  // later steps are not cancelled either
  finish("keep2");
  EXPECT_TRUE(engine_->finished());
  EXPECT_EQ(job("keep").status, RunStatus::kSuccess);
  EXPECT_EQ(job("stop").status, RunStatus::kCancelled);
  EXPECT_EQ(engine_->run().status, RunStatus::kCancelled);
}

TEST_F(EngineCancelTest, WaitingJobWhoseIfHoldsStillStarts) {
  start(R"(
on: push
jobs:
  a: {runs-on: x, steps: [{run: a}]}
  plain: {runs-on: x, steps: [{run: plain}]}
  keep: {runs-on: x, if: always(), steps: [{run: keep}]}
  report: {runs-on: x, needs: a, if: cancelled(), steps: [{run: report}]}
  failed: {runs-on: x, needs: a, if: failure(), steps: [{run: failed}]}
)",
        /*max_parallel_jobs=*/1);
  EXPECT_THAT(running(), ElementsAre("a"));
  engine_->cancel();
  pump();
  EXPECT_THAT(running(), ElementsAre("keep"));
  finish("keep");
  EXPECT_THAT(running(), ElementsAre("report"));
  finish("report");
  EXPECT_TRUE(engine_->finished());
  EXPECT_EQ(job("a").status, RunStatus::kCancelled);
  EXPECT_EQ(job("plain").status, RunStatus::kCancelled);
  EXPECT_EQ(job("failed").status, RunStatus::kCancelled);
  EXPECT_EQ(job("keep").status, RunStatus::kSuccess);
  EXPECT_EQ(job("report").status, RunStatus::kSuccess);
  EXPECT_EQ(executor_.started_count(), 3u);
}

// A job waiting for a step's retry backoff ends synchronously when cancelled: the slot it
// frees must not go to a job that the cancel has not yet decided on.
TEST_F(EngineCancelTest, ASlotFreedDuringTheCancelStartsNothing) {
  start(R"(
on: push
jobs:
  a:
    runs-on: x
    steps: [{run: flaky, retry: {max-attempts: 3, backoff: {delay: 60s}}}]
  b: {runs-on: x, steps: [{run: b}]}
)",
        /*max_parallel_jobs=*/1);
  finish("flaky", 1);  // a waits 60 s to retry its step, holding the only slot
  EXPECT_THAT(running(), IsEmpty());
  engine_->cancel();
  pump();
  EXPECT_TRUE(engine_->finished());
  EXPECT_EQ(executor_.started_count(), 1u);
  EXPECT_EQ(job("b").status, RunStatus::kCancelled);
}

// Regression: an instance waiting for its retry backoff kept the run alive until it fired.
TEST_F(EngineCancelTest, JobWaitingForARetryEndsAtOnce) {
  start(R"(
on: push
jobs:
  a: {runs-on: x, retry: {max-attempts: 3, backoff: {delay: 60s}}, steps: [{run: flaky}]}
)");
  finish("flaky", 1);
  EXPECT_FALSE(engine_->finished());
  engine_->cancel();
  pump();
  EXPECT_TRUE(engine_->finished());
  EXPECT_EQ(job("a").status, RunStatus::kCancelled);
  EXPECT_EQ(loop_.pending_timers(), 0u);
  advance(60'000);
  EXPECT_THAT(running(), IsEmpty());
  EXPECT_EQ(executor_.started_count(), 1u);
}

// Regression: a job that a concurrency group cancelled left the run `success`.
TEST_F(EngineCancelTest, JobSupersededInItsConcurrencyGroupMakesTheRunCancelled) {
  start(R"(
on: push
jobs:
  a: {runs-on: x, concurrency: deploy, steps: [{run: a}]}
  b: {runs-on: x, concurrency: deploy, steps: [{run: b}]}
  c: {runs-on: x, needs: go, concurrency: deploy, steps: [{run: c}]}
  go: {runs-on: x, steps: [{run: go}]}
)");
  finish("go");  // c joins the group while b waits: b is cancelled
  finish("a");
  finish("c");
  EXPECT_TRUE(engine_->finished());
  EXPECT_EQ(job("b").status, RunStatus::kCancelled);
  EXPECT_EQ(engine_->run().status, RunStatus::kCancelled);
}

// b joins the group while a runs, and cancels it.
constexpr const char* kCancelInProgress = R"(
on: push
jobs:
  a: {runs-on: x, concurrency: {group: deploy, cancel-in-progress: true}, steps: [{run: a}]}
  b: {runs-on: x, concurrency: {group: deploy, cancel-in-progress: true}, steps: [{run: b}]}
)";

TEST_F(EngineCancelTest, JobCancelledInProgressByItsGroupMakesTheRunCancelled) {
  start(kCancelInProgress);
  finish("b");
  EXPECT_TRUE(engine_->finished());
  EXPECT_EQ(engine_->run().status, RunStatus::kCancelled);
}

TEST_F(EngineCancelTest, AFailureOutranksACancelledJob) {
  start(kCancelInProgress);
  finish("b", 1);
  EXPECT_EQ(engine_->run().status, RunStatus::kFailure);
}

// What a job's steps leave running is the executor's to kill when the job ends.
TEST_F(EngineCancelTest, EveryJobAttemptEndsItsScope) {
  start(R"(
on: push
jobs:
  t:
    runs-on: x
    strategy: {matrix: {n: [1, 2]}}
    retry: {max-attempts: 2}
    steps: [{run: "t${{ matrix.n }}"}]
)");
  finish("t1");
  finish("t2", 1);
  advance(0);
  finish("t2");
  std::string run = std::to_string(engine_->run().id);
  EXPECT_THAT(executor_.ended_jobs(), ElementsAre(run + "/t (1)", run + "/t (2)", run + "/t (2)"));
  for (const auto& e : executor_.all())
    EXPECT_EQ(e->request.job_scope, run + "/" + (e->request.script == "t1" ? "t (1)" : "t (2)"));
}

// The second Ctrl-C: kill_all() ends every step at once; the run still records cancelled.
TEST_F(EngineCancelTest, KillAllAfterCancelFinishesTheRunAsCancelled) {
  start(R"(
on: push
jobs:
  keep: {runs-on: x, if: always(), steps: [{run: keep}, {run: more, if: always()}]}
)");
  engine_->cancel();
  pump();
  EXPECT_THAT(running(), ElementsAre("keep"));
  executor_.kill_all();
  pump();
  EXPECT_TRUE(engine_->finished());
  EXPECT_EQ(engine_->run().status, RunStatus::kCancelled);
}

}  // namespace
}  // namespace sluice::engine::testing
