// Expressions the engine evaluates for a job (if, continue-on-error, strategy, concurrency,
// the workflow's env, a reusable workflow's with/secrets/outputs) fail that job when they
// cannot be evaluated, with their place in the file; never "" or a silent default.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "engine_harness.h"

namespace sluice::engine::testing {
namespace {

using ::testing::StartsWith;

using ExpressionErrorTest = EngineHarness;

TEST_F(ExpressionErrorTest, JobSettingsThatDoNotEvaluateFailTheJob) {
  start(R"(
on: push
jobs:
  if:
    runs-on: x
    if: fromJSON('x')
    steps: [{run: a}]
  continue:
    runs-on: x
    continue-on-error: ${{ fromJSON('x') }}
    steps: [{run: b}]
  fail-fast:
    runs-on: x
    strategy: {fail-fast: "${{ fromJSON('x') }}", matrix: {v: [1]}}
    steps: [{run: c}]
  group:
    runs-on: x
    concurrency: {group: 'g-${{ fromJSON(matrix.v) }}'}
    strategy: {matrix: {v: ['[', '2']}}
    steps: [{run: 'd ${{ matrix.v }}'}]
)");
  EXPECT_EQ(running(), std::vector<std::string>{"d 2"})
      << "only the instance whose group evaluates";
  EXPECT_EQ(job("if").status, RunStatus::kFailure);
  EXPECT_THAT(job("if").reason, StartsWith("test.yml:6:9: fromJSON(): "));
  EXPECT_EQ(job("continue").status, RunStatus::kFailure);
  EXPECT_THAT(job("continue").reason, StartsWith("test.yml:10:28: fromJSON(): "));
  EXPECT_EQ(job("fail-fast").status, RunStatus::kFailure);
  EXPECT_THAT(job("fail-fast").reason, StartsWith("test.yml:14:32: fromJSON(): "));
  EXPECT_EQ(job("group ([)").status, RunStatus::kFailure);
  EXPECT_THAT(job("group ([)").reason, StartsWith("test.yml:18:33: fromJSON(): "));
  finish("d 2");
  EXPECT_TRUE(engine_->finished());
  EXPECT_EQ(engine_->run().status, RunStatus::kFailure);
}

TEST_F(ExpressionErrorTest, AWorkflowEnvThatDoesNotEvaluateFailsEveryJob) {
  start(R"(
on: push
env:
  GOOD: yes
  BAD: ${{ fromJSON('{') }}
jobs:
  a: {runs-on: x, steps: [{run: a}]}
  b: {runs-on: x, steps: [{run: b}]}
)");
  EXPECT_TRUE(running().empty()) << running_text();
  for (const char* key : {"a", "b"}) {
    EXPECT_EQ(job(key).status, RunStatus::kFailure) << key;
    EXPECT_THAT(job(key).reason, StartsWith("test.yml:5:12: fromJSON(): ")) << key;
  }
}

TEST_F(ExpressionErrorTest, ACalledWorkflowOutputThatDoesNotEvaluateFailsTheCaller) {
  std::string dir = std::string(SLUICE_TEST_DATA) + "/engine/fixtures/caller";
  start("on: push\njobs:\n  call: {uses: ./.github/workflows/bad-output.yml}\n", 8, dir);
  finish("one", 0, {{"u", "not json"}});
  EXPECT_TRUE(engine_->finished());
  EXPECT_EQ(job("call").status, RunStatus::kFailure);
  EXPECT_THAT(job("call").reason,
              StartsWith(dir + "/.github/workflows/bad-output.yml:3:33: fromJSON(): "));
}

}  // namespace
}  // namespace sluice::engine::testing
