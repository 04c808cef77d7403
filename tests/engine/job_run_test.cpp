// JobRun: how the steps of one job become StepRequests and outcomes (engine harness: a
// fake executor, a manual clock, no processes, no disk).
#include "engine/job_run.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "engine_harness.h"

namespace sluice::engine::testing {
namespace {

using ::testing::ElementsAre;

using JobRunTest = EngineHarness;

// Regression (issue 8 §3): step summaries were kept, and written to summary.md, unmasked.
TEST_F(JobRunTest, StepSummariesAreMasked) {
  start(R"(
on: push
jobs:
  a:
    runs-on: x
    steps:
      - run: summarise
)");
  context_->masker->add("hunter2-secret");
  ASSERT_THAT(running(), ElementsAre("summarise"));
  FakeExecutor::Execution& e = *executor_.running()[0];
  StepOutcome o;
  o.started = true;
  o.exit_code = 0;
  o.summary = "token hunter2-secret, base64 aHVudGVyMi1zZWNyZXQ=\n";
  e.done = true;
  e.on_done(o);
  pump();
  ASSERT_TRUE(engine_->finished());
  ASSERT_EQ(engine_->summaries().size(), 1u);
  EXPECT_EQ(engine_->summaries()[0].second, "token ***, base64 ***\n");
}

TEST_F(JobRunTest, TheExecutorNotTheEngineChecksTheWorkingDirectory) {
  start(R"(
on: push
jobs:
  a:
    runs-on: x
    steps:
      - run: here
        working-directory: no/such/dir
)");
  ASSERT_THAT(running(), ElementsAre("here"));
  const StepRequest& r = executor_.running()[0]->request;
  EXPECT_EQ(r.working_directory, "/tmp/no/such/dir");
  EXPECT_EQ(r.working_directory_pos.to_string(), "test.yml:8:28");
  EXPECT_EQ(r.step_files_dir, context_->options.temp_dir);
}

// The log of the first attempt of step `index` among `attempts`.
std::string attempt_log(const MemoryStore& store, const std::vector<AttemptRecord>& attempts,
                        int index) {
  for (const AttemptRecord& a : attempts)
    if (a.step_index == index) return store.log_text(a.log_path);
  return "";
}

TEST_F(JobRunTest, AnExpressionErrorInARunBlockPointsAtItsLineAndColumn) {
  start(R"(
on: push
jobs:
  a:
    runs-on: x
    steps:
      - run: |
          echo one
          echo two
          echo ${{ fromJSON('not json') }}
      - run: after
)");
  EXPECT_TRUE(running().empty()) << running_text();
  StepRecord step = steps("a")[0];
  EXPECT_EQ(step.status, RunStatus::kFailure);
  EXPECT_TRUE(step.reason.starts_with("test.yml:10:20: fromJSON(): ")) << step.reason;
  EXPECT_EQ(steps("a")[1].status, RunStatus::kSkipped);
  auto a = attempts("a");
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].failure_class, FailureClass::kStartError);
  std::string log = attempt_log(store_, a, 0);
  EXPECT_TRUE(log.starts_with("error: test.yml:10:20: fromJSON(): ")) << log;
  EXPECT_EQ(log.find("error:", 1), std::string::npos) << "reported once: " << log;
}

TEST_F(JobRunTest, AnInvalidStepTimeoutFailsTheStepAsAnInvalidJobTimeoutFailsTheJob) {
  start(R"(
on: push
jobs:
  s:
    runs-on: x
    steps:
      - run: never
        timeout-minutes: 0
      - run: after
        if: always()
  j:
    runs-on: x
    timeout-minutes: 0
    steps:
      - run: skipped
)");
  EXPECT_EQ(running(), std::vector<std::string>{"after"});
  StepRecord step = steps("s")[0];
  EXPECT_EQ(step.status, RunStatus::kFailure);
  EXPECT_EQ(step.reason,
            "test.yml:8:26: invalid timeout-minutes '0': expected a positive number of minutes");
  JobRecord job = this->job("j");
  EXPECT_EQ(job.status, RunStatus::kFailure);
  EXPECT_EQ(job.reason,
            "test.yml:13:22: invalid timeout-minutes '0': expected a positive number of minutes");
  EXPECT_EQ(steps("j")[0].status, RunStatus::kSkipped);
}

TEST_F(JobRunTest, AStepTimeoutFromAnExpressionSaysWhatItEvaluatedTo) {
  start(R"(
on: push
jobs:
  s:
    runs-on: x
    steps:
      - run: never
        timeout-minutes: ${{ 'soon' }}
)");
  EXPECT_TRUE(running().empty()) << running_text();
  EXPECT_EQ(steps("s")[0].reason,
            "test.yml:8:26: invalid timeout-minutes '${{ 'soon' }}' (= 'soon'): expected a "
            "positive number of minutes");
}

TEST_F(JobRunTest, ExpressionErrorsFailTheStepOrTheJobInsteadOfBecomingEmpty) {
  start(R"(
on: push
jobs:
  named:
    runs-on: x
    name: ${{ fromJSON('{') }}
    steps:
      - run: skipped
  outputs:
    runs-on: x
    outputs:
      good: ${{ steps.s.outputs.v }}
      bad: ${{ fromJSON('') }}
    steps:
      - id: s
        run: out
  steps:
    runs-on: x
    steps:
      - name: ${{ fromJSON('[') }}
        run: unnamed
      - run: fails
        continue-on-error: ${{ fromJSON('x') }}
        if: always()
)");
  JobRecord named = job("named");
  EXPECT_EQ(named.status, RunStatus::kFailure);
  EXPECT_TRUE(named.reason.starts_with("test.yml:6:15: fromJSON(): ")) << named.reason;

  finish("out", 0, {{"v", "1"}});
  JobRecord outputs = job("outputs");
  EXPECT_EQ(outputs.status, RunStatus::kFailure);
  EXPECT_TRUE(outputs.reason.starts_with("test.yml:13:16: fromJSON(): ")) << outputs.reason;

  StepRecord unnamed = steps("steps")[0];
  EXPECT_EQ(unnamed.status, RunStatus::kFailure);
  EXPECT_TRUE(unnamed.reason.starts_with("test.yml:20:19: fromJSON(): ")) << unnamed.reason;
  finish("fails", 1);
  StepRecord fails = steps("steps")[1];
  EXPECT_EQ(fails.status, RunStatus::kFailure) << "an error does not count as true";
  EXPECT_TRUE(fails.reason.starts_with("exit code 1; test.yml:23:32: fromJSON(): "))
      << fails.reason;
  EXPECT_TRUE(engine_->finished());
}

}  // namespace
}  // namespace sluice::engine::testing
