// Jobs with `environment:` (engine/environment_gate.h): held back until the gate admits
// them, started with the environment's vars and secrets, and reported back when they end.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "engine_harness.h"

namespace sluice::engine::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

class FakeGate : public EnvironmentGate {
 public:
  struct Call {
    AdmissionRequest request;
    std::function<void(const std::string&)> waiting;
    std::function<void(Admission)> decided;
  };
  void admit(const AdmissionRequest& request, std::function<void(const std::string&)> waiting,
             std::function<void(Admission)> decided) override {
    calls.push_back({request, std::move(waiting), std::move(decided)});
  }
  void abandon(int64_t, const std::string& job_key, RunStatus status,
               const std::string& reason) override {
    abandoned.push_back(job_key + ": " + to_string(status) + ": " + reason);
  }
  void finished(int64_t, const std::string& job_key, RunStatus status) override {
    ended.push_back(job_key + ": " + to_string(status));
  }
  std::vector<Call> calls;
  std::vector<std::string> abandoned;
  std::vector<std::string> ended;
};

class EnvironmentWaitsTest : public EngineHarness {
 protected:
  EnvironmentWaitsTest() { environments_ = &gate_; }
  FakeGate gate_;
};

constexpr const char* kDeploy = R"(
on: push
jobs:
  build: {runs-on: x, steps: [{run: build}]}
  deploy:
    runs-on: x
    needs: build
    environment: {name: "prod-${{ 'push' }}", url: "https://x/${{ 'push' }}"}
    steps: [{run: 'deploy ${{ vars.REGION }} ${{ secrets.TOKEN }}'}]
)";

TEST_F(EnvironmentWaitsTest, AJobWaitsUntilAdmittedAndGetsTheEnvironmentsValues) {
  start(kDeploy);
  finish("build");
  ASSERT_EQ(gate_.calls.size(), 1u);
  EXPECT_EQ(gate_.calls[0].request.environment, "prod-push");
  EXPECT_EQ(gate_.calls[0].request.url, "https://x/push");
  EXPECT_EQ(gate_.calls[0].request.job_key, "deploy");
  EXPECT_EQ(job("deploy").status, RunStatus::kWaiting);
  EXPECT_THAT(running(), IsEmpty());

  gate_.calls[0].waiting("waiting for approval: 0 of 1");
  EXPECT_EQ(job("deploy").reason, "waiting for approval: 0 of 1");
  advance(60'000);
  EXPECT_THAT(running(), IsEmpty());

  Admission admitted;
  admitted.admitted = true;
  admitted.vars = {{"REGION", "eu-west-1"}};
  admitted.secrets = {{"TOKEN", "s3cr3t"}};
  gate_.calls[0].decided(admitted);
  pump();
  // The secret reaches the step, and the masker knows it from now on.
  EXPECT_THAT(running(), ElementsAre("deploy eu-west-1 s3cr3t"));
  EXPECT_EQ(context_->masker->mask("x s3cr3t"), "x ***");
  finish("deploy eu-west-1 s3cr3t");
  EXPECT_THAT(gate_.ended, ElementsAre("deploy: success"));
  EXPECT_EQ(engine_->run().status, RunStatus::kSuccess);
}

TEST_F(EnvironmentWaitsTest, ARefusedJobFailsWithoutRunningAStep) {
  start(kDeploy);
  finish("build");
  ASSERT_EQ(gate_.calls.size(), 1u);
  Admission refused;
  refused.reason = "deployment to 'prod-push' rejected by carol";
  gate_.calls[0].decided(refused);
  pump();
  EXPECT_EQ(job("deploy").status, RunStatus::kFailure);
  EXPECT_EQ(job("deploy").reason, "deployment to 'prod-push' rejected by carol");
  EXPECT_TRUE(steps("deploy").empty());
  EXPECT_TRUE(gate_.ended.empty());  // the gate recorded the refusal itself
  EXPECT_TRUE(engine_->finished());
  EXPECT_EQ(engine_->run().status, RunStatus::kFailure);
}

TEST_F(EnvironmentWaitsTest, CancellingTheRunAbandonsTheWait) {
  start(kDeploy);
  finish("build");
  engine_->cancel();
  pump();
  EXPECT_THAT(gate_.abandoned, ElementsAre("deploy: cancelled: run cancelled"));
  EXPECT_EQ(job("deploy").status, RunStatus::kCancelled);
  EXPECT_TRUE(engine_->finished());
  // A late decision changes nothing.
  Admission admitted;
  admitted.admitted = true;
  gate_.calls[0].decided(admitted);
  pump();
  EXPECT_THAT(running(), IsEmpty());
}

// Waiting for reviewers takes no --jobs slot: other jobs run meanwhile.
TEST_F(EnvironmentWaitsTest, AWaitingJobHoldsNoSlot) {
  start(R"(
on: push
jobs:
  deploy: {runs-on: x, environment: production, steps: [{run: deploy}]}
  test: {runs-on: x, steps: [{run: test}]}
)",
        /*max_parallel_jobs=*/1);
  ASSERT_EQ(gate_.calls.size(), 1u);
  EXPECT_THAT(running(), ElementsAre("test"));
  finish("test");
  Admission admitted;
  admitted.admitted = true;
  gate_.calls[0].decided(admitted);
  pump();
  EXPECT_THAT(running(), ElementsAre("deploy"));
  finish("deploy", 1);
  EXPECT_THAT(gate_.ended, ElementsAre("deploy: failure"));
}

TEST_F(EnvironmentWaitsTest, EachMatrixInstanceIsAdmittedOnItsOwn) {
  start(R"(
on: push
jobs:
  deploy:
    runs-on: x
    strategy: {matrix: {region: [eu, us]}}
    environment: 'prod-${{ matrix.region }}'
    steps: [{run: 'deploy ${{ matrix.region }}'}]
)");
  ASSERT_EQ(gate_.calls.size(), 2u);
  EXPECT_EQ(gate_.calls[0].request.environment, "prod-eu");
  EXPECT_EQ(gate_.calls[1].request.environment, "prod-us");
  Admission admitted;
  admitted.admitted = true;
  gate_.calls[1].decided(admitted);
  pump();
  EXPECT_THAT(running(), ElementsAre("deploy us"));
}

}  // namespace
}  // namespace sluice::engine::testing
