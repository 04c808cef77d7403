#include "engine/engine.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "engine_harness.h"

namespace sluice::engine::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;

using EngineTest = EngineHarness;

TEST_F(EngineTest, RunsJobsInNeedsOrder) {
  start(R"(
on: push
jobs:
  a: {runs-on: x, steps: [{run: a}]}
  b: {runs-on: x, needs: a, steps: [{run: b}]}
  c: {runs-on: x, needs: a, steps: [{run: c}]}
  d: {runs-on: x, needs: [b, c], steps: [{run: d}]}
)");
  EXPECT_THAT(running(), ElementsAre("a"));
  finish("a");
  EXPECT_THAT(running(), UnorderedElementsAre("b", "c"));
  finish("b");
  EXPECT_THAT(running(), ElementsAre("c"));
  finish("c");
  EXPECT_THAT(running(), ElementsAre("d"));
  finish("d");
  EXPECT_TRUE(engine_->finished());
  EXPECT_EQ(engine_->run().status, RunStatus::kSuccess);
}

// The job graph the web UI draws comes from these: each record keeps the keys it needs,
// matrix instances those of their job, while waiting, running and once finished.
TEST_F(EngineTest, JobRecordsKeepTheirNeeds) {
  start(R"(
on: push
jobs:
  a: {runs-on: x, steps: [{run: a}]}
  b: {runs-on: x, needs: a, strategy: {matrix: {n: [1, 2]}}, steps: [{run: b}]}
  d: {runs-on: x, needs: [a, b], steps: [{run: d}]}
)");
  EXPECT_EQ(job("a").needs_json, "");
  EXPECT_EQ(job("d").needs_json, R"(["a","b"])");
  finish("a");
  EXPECT_EQ(job("b (1)").needs_json, R"(["a"])");
  finish(running()[0]);
  finish(running()[0]);
  EXPECT_EQ(job("b (2)").needs_json, R"(["a"])");
  EXPECT_EQ(job("b").needs_json, R"(["a"])");
  finish("d");
  EXPECT_EQ(job("d").needs_json, R"(["a","b"])");
}

TEST_F(EngineTest, LimitsParallelJobs) {
  start(R"(
on: push
jobs:
  a: {runs-on: x, steps: [{run: a}]}
  b: {runs-on: x, steps: [{run: b}]}
  c: {runs-on: x, steps: [{run: c}]}
)",
        /*max_parallel_jobs=*/2);
  EXPECT_EQ(running().size(), 2u);
  finish(running()[0]);
  EXPECT_EQ(running().size(), 2u);
  finish(running()[0]);
  finish(running()[0]);
  EXPECT_TRUE(engine_->finished());
}

TEST_F(EngineTest, FailureSkipsDependantsButRunsFailureAndAlwaysJobs) {
  start(R"(
on: push
jobs:
  build: {runs-on: x, steps: [{run: build}, {run: after-fail, if: failure()}, {run: normal}]}
  deploy: {runs-on: x, needs: build, steps: [{run: deploy}]}
  notify: {runs-on: x, needs: build, if: failure(), steps: [{run: notify}]}
  report: {runs-on: x, needs: deploy, if: always(), steps: [{run: report}]}
)");
  finish("build", 2);
  EXPECT_THAT(running(), ElementsAre("after-fail"));
  finish("after-fail");
  EXPECT_THAT(running(), UnorderedElementsAre("notify", "report"));
  finish("notify");
  finish("report");
  EXPECT_TRUE(engine_->finished());
  EXPECT_EQ(engine_->run().status, RunStatus::kFailure);
  EXPECT_EQ(job("deploy").status, RunStatus::kSkipped);
  auto build_steps = steps("build");
  ASSERT_EQ(build_steps.size(), 3u);
  EXPECT_EQ(build_steps[0].status, RunStatus::kFailure);
  EXPECT_EQ(build_steps[1].status, RunStatus::kSuccess);
  EXPECT_EQ(build_steps[2].status, RunStatus::kSkipped);
  RunStatistics stats = engine_->statistics();
  EXPECT_EQ(stats.total, 4);
  EXPECT_EQ(stats.failed, 1);
  EXPECT_EQ(stats.skipped, 1);
  EXPECT_EQ(stats.succeeded, 2);
}

TEST_F(EngineTest, ContinueOnErrorKeepsTheJobGreen) {
  start(R"(
on: push
jobs:
  a:
    runs-on: x
    steps:
      - {id: flaky, run: flaky, continue-on-error: true}
      - run: "${{ steps.flaky.outcome }}-${{ steps.flaky.conclusion }}"
)");
  finish("flaky", 1);
  EXPECT_THAT(running(), ElementsAre("failure-success"));
  finish("failure-success");
  EXPECT_EQ(engine_->run().status, RunStatus::kSuccess);
}

TEST_F(EngineTest, OutputsFlowFromStepsToNeedingJobs) {
  start(R"(
on: push
jobs:
  a:
    runs-on: x
    outputs: {version: "${{ steps.v.outputs.version }}"}
    steps: [{id: v, run: make-version}]
  b: {runs-on: x, needs: a, steps: [{run: "deploy ${{ needs.a.outputs.version }}"}]}
)");
  finish("make-version", 0, {{"version", "1.2.3"}});
  EXPECT_THAT(running(), ElementsAre("deploy 1.2.3"));
}

TEST_F(EngineTest, ExpandsMatrixAndHonoursMaxParallel) {
  start(R"(
on: push
jobs:
  t:
    runs-on: x
    strategy:
      max-parallel: 2
      matrix: {n: [1, 2, 3, 4]}
    steps: [{run: "t${{ matrix.n }}"}]
)");
  EXPECT_THAT(running(), ElementsAre("t1", "t2"));
  finish("t1");
  EXPECT_THAT(running(), ElementsAre("t2", "t3"));
  finish("t2");
  finish("t3");
  finish("t4");
  EXPECT_EQ(engine_->run().status, RunStatus::kSuccess);
  EXPECT_EQ(engine_->statistics().total, 4);
}

TEST_F(EngineTest, FailFastCancelsTheOtherMatrixJobs) {
  start(R"(
on: push
jobs:
  t:
    runs-on: x
    strategy:
      max-parallel: 2
      matrix: {n: [1, 2, 3]}
    steps: [{run: "t${{ matrix.n }}"}]
)");
  finish("t1", 1);
  EXPECT_TRUE(running().empty());
  EXPECT_TRUE(engine_->finished());
  EXPECT_EQ(job("t (1)").status, RunStatus::kFailure);
  EXPECT_EQ(job("t (2)").status, RunStatus::kCancelled);
  EXPECT_EQ(job("t (3)").status, RunStatus::kCancelled);
  EXPECT_EQ(engine_->run().status, RunStatus::kFailure);
}

TEST_F(EngineTest, FailFastFalseLetsSiblingsFinish) {
  start(R"(
on: push
jobs:
  t:
    runs-on: x
    strategy:
      fail-fast: false
      matrix: {n: [1, 2]}
    steps: [{run: "t${{ matrix.n }}"}]
)");
  finish("t1", 1);
  EXPECT_THAT(running(), ElementsAre("t2"));
  finish("t2");
  EXPECT_EQ(job("t (2)").status, RunStatus::kSuccess);
}

TEST_F(EngineTest, StepTimeoutStopsTheStepAndFailsTheJob) {
  start(R"(
on: push
jobs:
  a:
    runs-on: x
    steps:
      - {run: slow, timeout-minutes: 1}
      - {run: cleanup, if: always()}
)");
  advance(59'999);
  EXPECT_THAT(running(), ElementsAre("slow"));
  advance(2);
  EXPECT_THAT(running(), ElementsAre("cleanup"));
  finish("cleanup");
  auto s = steps("a");
  EXPECT_EQ(s[0].status, RunStatus::kTimedOut);
  EXPECT_EQ(job("a").status, RunStatus::kFailure);
  EXPECT_EQ(engine_->statistics().failed, 1);
}

TEST_F(EngineTest, JobTimeoutMarksTheJobTimedOut) {
  start(R"(
on: push
jobs:
  a: {runs-on: x, timeout-minutes: 2, steps: [{run: slow}, {run: next}]}
)");
  advance(120'001);
  EXPECT_TRUE(running().empty());
  EXPECT_EQ(job("a").status, RunStatus::kTimedOut);
  EXPECT_EQ(engine_->statistics().timed_out, 1);
  EXPECT_EQ(engine_->run().status, RunStatus::kFailure);
}

TEST_F(EngineTest, RetriesWhenTheFailureClassMatches) {
  start(R"(
on: push
jobs:
  a:
    runs-on: x
    steps:
      - run: flaky
        retry: {max-attempts: 3, backoff: {delay: 2s, factor: 2}, on: [{exit-codes: [3]}]}
)");
  finish("flaky", 3);
  EXPECT_TRUE(running().empty());  // waiting for the backoff
  advance(1'999);
  EXPECT_TRUE(running().empty());
  advance(1);
  EXPECT_THAT(running(), ElementsAre("flaky"));
  finish("flaky", 3);
  advance(4'000);  // second backoff: 2s * 2
  finish("flaky", 0);
  EXPECT_EQ(engine_->run().status, RunStatus::kSuccess);
  auto a = attempts("a");
  ASSERT_EQ(a.size(), 3u);
  EXPECT_EQ(a[0].failure_class, FailureClass::kExitCode);
  EXPECT_NE(a[0].reason.find("retrying"), std::string::npos);
  EXPECT_EQ(a[2].status, RunStatus::kSuccess);
  EXPECT_EQ(steps("a")[0].attempts, 3);
}

TEST_F(EngineTest, DoesNotRetryAnotherFailureClass) {
  start(R"(
on: push
jobs:
  a:
    runs-on: x
    steps:
      - run: flaky
        retry: {max-attempts: 3, on: [{exit-codes: [3]}]}
)");
  finish("flaky", 4);
  EXPECT_TRUE(engine_->finished());
  EXPECT_EQ(attempts("a").size(), 1u);
  EXPECT_EQ(engine_->run().status, RunStatus::kFailure);
}

TEST_F(EngineTest, RetriesOnTimeout) {
  start(R"(
on: push
jobs:
  a:
    runs-on: x
    steps:
      - run: hang
        timeout-minutes: 1
        retry: {max-attempts: 2, on: [timeout]}
)");
  advance(60'001);
  EXPECT_THAT(running(), ElementsAre("hang"));
  finish("hang", 0);
  EXPECT_EQ(engine_->run().status, RunStatus::kSuccess);
  auto a = attempts("a");
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a[0].failure_class, FailureClass::kTimeout);
}

TEST_F(EngineTest, RetriesAWholeJob) {
  start(R"(
on: push
jobs:
  a:
    runs-on: x
    retry: {max-attempts: 2}
    steps: [{run: one}, {run: two}]
)");
  finish("one");
  finish("two", 1);
  advance(0);
  EXPECT_THAT(running(), ElementsAre("one"));
  finish("one");
  finish("two");
  EXPECT_EQ(engine_->run().status, RunStatus::kSuccess);
  EXPECT_EQ(job("a").attempt, 2);
}

TEST_F(EngineTest, CancelStopsRunningStepsAndRunsOnlyAlwaysJobs) {
  start(R"(
on: push
jobs:
  a: {runs-on: x, steps: [{run: long}, {run: after}, {run: cleanup, if: always()}]}
  b: {runs-on: x, needs: a, steps: [{run: b}]}
  c: {runs-on: x, needs: a, if: always(), steps: [{run: c}]}
)");
  engine_->cancel();
  pump();
  EXPECT_THAT(running(), ElementsAre("cleanup"));
  finish("cleanup");
  EXPECT_THAT(running(), ElementsAre("c"));
  finish("c");
  EXPECT_TRUE(engine_->finished());
  EXPECT_EQ(engine_->run().status, RunStatus::kCancelled);
  EXPECT_EQ(job("a").status, RunStatus::kCancelled);
  EXPECT_EQ(job("b").status, RunStatus::kCancelled);
  auto s = steps("a");
  EXPECT_EQ(s[0].status, RunStatus::kCancelled);
  EXPECT_EQ(s[1].status, RunStatus::kCancelled);
}

TEST_F(EngineTest, ConcurrencyGroupRunsOneJobAtATime) {
  start(R"(
on: push
jobs:
  a: {runs-on: x, concurrency: deploy, steps: [{run: a}]}
  b: {runs-on: x, concurrency: deploy, steps: [{run: b}]}
)");
  EXPECT_THAT(running(), ElementsAre("a"));
  finish("a");
  EXPECT_THAT(running(), ElementsAre("b"));
}

TEST_F(EngineTest, ConcurrencyKeepsOnlyTheNewestPendingJob) {
  start(R"(
on: push
jobs:
  a: {runs-on: x, concurrency: deploy, steps: [{run: a}]}
  b: {runs-on: x, concurrency: deploy, steps: [{run: b}]}
  c: {runs-on: x, needs: go, concurrency: deploy, steps: [{run: c}]}
  go: {runs-on: x, steps: [{run: go}]}
)");
  EXPECT_THAT(running(), ElementsAre("a", "go"));
  EXPECT_EQ(job("b").status, RunStatus::kQueued);  // pending: waits for a
  finish("go");                                    // c joins the group while b waits: b gives way
  EXPECT_EQ(job("b").status, RunStatus::kCancelled);
  EXPECT_NE(job("b").reason.find("newer job of concurrency group 'deploy'"), std::string::npos)
      << job("b").reason;
  EXPECT_THAT(running(), ElementsAre("a"));
  finish("a");
  EXPECT_THAT(running(), ElementsAre("c"));
  finish("c");
  EXPECT_TRUE(engine_->finished());
  EXPECT_EQ(job("a").status, RunStatus::kSuccess);
  EXPECT_EQ(job("c").status, RunStatus::kSuccess);
}

TEST_F(EngineTest, ConcurrencyQueueMaxServesEveryWaitingJobInArrivalOrder) {
  start(R"(
on: push
jobs:
  a: {runs-on: x, concurrency: {group: deploy, queue: max}, steps: [{run: a}]}
  c: {runs-on: x, needs: go, concurrency: {group: deploy, queue: max}, steps: [{run: c}]}
  b: {runs-on: x, concurrency: {group: deploy, queue: max}, steps: [{run: b}]}
  go: {runs-on: x, steps: [{run: go}]}
)");
  EXPECT_THAT(running(), ElementsAre("a", "go"));
  finish("go");  // c arrives after b: both wait
  EXPECT_THAT(running(), ElementsAre("a"));
  finish("a");
  EXPECT_THAT(running(), ElementsAre("b"));
  finish("b");
  EXPECT_THAT(running(), ElementsAre("c"));
  finish("c");
  EXPECT_TRUE(engine_->finished());
  for (const char* key : {"a", "b", "c"}) EXPECT_EQ(job(key).status, RunStatus::kSuccess) << key;
}

TEST_F(EngineTest, ConcurrencyQueueMaxHoldsAHundredWaitingJobs) {
  std::string values;
  for (int i = 1; i <= 103; ++i) values += (i > 1 ? ", " : "") + std::to_string(i);
  start(R"(
on: push
jobs:
  m:
    runs-on: x
    strategy: {matrix: {n: [)" +
            values + R"(]}}
    concurrency: {group: deploy, queue: max}
    steps: [{run: 'step ${{ matrix.n }}'}]
)",
        200);
  EXPECT_THAT(running(), ElementsAre("step 1"));  // 100 wait behind it; 2 more do not fit
  auto detail = store_.load_run(engine_->run().id);
  ASSERT_TRUE(detail.ok());
  int cancelled = 0;
  for (const JobRecord& j : detail->jobs) {
    if (j.status != RunStatus::kCancelled) continue;
    ++cancelled;
    EXPECT_EQ(j.reason, "the queue of concurrency group 'deploy' is full");
  }
  EXPECT_EQ(cancelled, 2);
  for (int i = 1; i <= 101; ++i) finish("step " + std::to_string(i));
  EXPECT_TRUE(engine_->finished());
}

TEST_F(EngineTest, ConcurrencyCancelInProgressCancelsTheHolder) {
  start(R"(
on: push
jobs:
  a: {runs-on: x, concurrency: {group: deploy, cancel-in-progress: true}, steps: [{run: a}]}
  b: {runs-on: x, concurrency: {group: deploy, cancel-in-progress: true}, steps: [{run: b}]}
)");
  EXPECT_THAT(running(), ElementsAre("b"));
  finish("b");
  EXPECT_EQ(job("a").status, RunStatus::kCancelled);
}

TEST_F(EngineTest, StaticallyFalseIfSkipsTheJob) {
  start(R"(
on: push
jobs:
  a: {runs-on: x, if: "github.event_name == 'schedule'", steps: [{run: a}]}
  b: {runs-on: x, steps: [{run: b}]}
)");
  EXPECT_THAT(running(), ElementsAre("b"));
  EXPECT_EQ(job("a").status, RunStatus::kSkipped);
}

TEST_F(EngineTest, MatrixFromNeededJobOutputs) {
  start(R"(
on: push
jobs:
  list:
    runs-on: x
    outputs: {targets: "${{ steps.l.outputs.json }}"}
    steps: [{id: l, run: list}]
  build:
    runs-on: x
    needs: list
    strategy:
      matrix:
        target: ${{ fromJSON(needs.list.outputs.targets) }}
    steps: [{run: "build ${{ matrix.target }}"}]
)");
  finish("list", 0, {{"json", R"(["x","y"])"}});
  EXPECT_THAT(running(), UnorderedElementsAre("build x", "build y"));
}

}  // namespace
}  // namespace sluice::engine::testing

namespace sluice::engine::testing {
namespace {

TEST_F(EngineHarness, JobsNeedingACallerRunAfterIt) {
  // Regression: the run hung after a reusable-workflow caller finished. The called workflow
  // is a fixture in the source tree: engine tests write nothing to disk.
  start(
      "on: push\njobs:\n  call: {uses: ./.github/workflows/called.yml}\n"
      "  report: {runs-on: x, needs: call, steps: [{run: 'report ${{ needs.call.outputs.url "
      "}}'}]}\n",
      8, std::string(SLUICE_TEST_DATA) + "/engine/fixtures/caller");
  finish("one", 0, {{"u", "http://x"}});
  EXPECT_EQ(running(), std::vector<std::string>{"report http://x"});
  finish("report http://x");
  EXPECT_TRUE(engine_->finished());
  EXPECT_EQ(engine_->run().status, RunStatus::kSuccess);
}

}  // namespace
}  // namespace sluice::engine::testing
