// `sluice rerun --failed`: jobs that succeeded before are not run again; their outputs and
// success reach the jobs that need them.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "engine/rerun_selection.h"
#include "engine_harness.h"

namespace sluice::engine::testing {
namespace {

using ::testing::ElementsAre;
using ReusedJobsTest = EngineHarness;

TEST_F(ReusedJobsTest, AReusedJobDoesNotRunAndItsOutputsReachItsDependants) {
  Value outputs = Value::object();
  outputs.set("version", "1.2.3");
  reused_jobs_["build"] = {outputs, "succeeded in run 4"};
  start(R"(
on: push
jobs:
  build:
    runs-on: x
    outputs: {version: "${{ steps.v.outputs.version }}"}
    steps: [{id: v, run: build}]
  test:
    needs: build
    runs-on: x
    steps: [{run: "test ${{ needs.build.outputs.version }} ${{ needs.build.result }}"}]
)");
  EXPECT_THAT(running(), ElementsAre("test 1.2.3 success"));
  EXPECT_EQ(job("build").status, RunStatus::kSuccess);
  EXPECT_EQ(job("build").reason, "succeeded in run 4");
  EXPECT_EQ(job("build").outputs_json, R"({"version":"1.2.3"})");
  finish("test 1.2.3 success");
  EXPECT_TRUE(engine_->finished());
  EXPECT_EQ(engine_->run().status, RunStatus::kSuccess);
  EXPECT_EQ(executor_.started_count(), 1u);
}

TEST_F(ReusedJobsTest, InnerJobsOfAReusedMatrixAreNotRunEither) {
  reused_jobs_["lint"] = {Value::object(), "succeeded in run 1"};
  start(R"(
on: push
jobs:
  lint:
    runs-on: x
    strategy: {matrix: {os: [a, b]}}
    steps: [{run: lint}]
  deploy:
    needs: lint
    runs-on: x
    steps: [{run: deploy}]
)");
  EXPECT_THAT(running(), ElementsAre("deploy"));
  EXPECT_EQ(job("lint").status, RunStatus::kSuccess);
}

JobRecord prior(const std::string& key, RunStatus status, std::string outputs = "") {
  JobRecord job;
  job.key = key;
  job.status = status;
  job.outputs_json = std::move(outputs);
  return job;
}

// GitHub's "Re-run failed jobs": the failed job and everything downstream of it run again.
TEST(RerunSelection, FailedJobsAndTheirDependantsRunAgain) {
  Diagnostics diagnostics;
  auto workflow = spec::load_workflow_text(R"(
on: push
jobs:
  build: {runs-on: x, steps: [{run: a}]}
  lint: {runs-on: x, steps: [{run: a}]}
  test: {runs-on: x, needs: build, steps: [{run: a}]}
  report: {runs-on: x, needs: [lint, test], if: always(), steps: [{run: a}]}
  docs: {runs-on: x, needs: lint, steps: [{run: a}]}
)",
                                           "w.yml", diagnostics);
  ASSERT_TRUE(workflow) << diagnostics.format();
  auto plan = plan::build_run_plan(*workflow, "/tmp", diagnostics);
  ASSERT_TRUE(plan) << diagnostics.format();
  auto reused =
      reusable_jobs(*plan,
                    {prior("build", RunStatus::kSuccess, R"({"v":"1"})"),
                     prior("lint", RunStatus::kSuccess), prior("test", RunStatus::kFailure),
                     prior("report", RunStatus::kSuccess), prior("docs", RunStatus::kSuccess)},
                    7);
  std::vector<std::string> keys;
  for (const auto& [key, job] : reused) keys.push_back(key);
  EXPECT_THAT(keys, ElementsAre("build", "docs", "lint"));
  EXPECT_EQ(reused["build"].outputs.find("v")->to_string(), "1");
  EXPECT_EQ(reused["build"].reason, "succeeded in run 7");
}

}  // namespace
}  // namespace sluice::engine::testing
