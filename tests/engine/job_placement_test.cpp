// Executor::place_job: a job attempt starts only once the executor has placed it (an
// agent with its labels took a lease); it waits with the executor's reason meanwhile; a
// lost place fails the attempt with "agent lost" and the retry policy decides.
#include "engine_harness.h"

namespace sluice::engine::testing {
namespace {

using Kind = PlacementEvent::Kind;

class JobPlacementTest : public EngineHarness {
 protected:
  void SetUp() override { executor_.hold_placements = true; }
  void send(size_t index, Kind kind, const std::string& reason = "") {
    ASSERT_LT(index, executor_.placements().size());
    executor_.placements()[index].on_event(PlacementEvent{kind, reason});
    pump();
  }
};

TEST_F(JobPlacementTest, AJobWaitsWithTheReasonUntilPlaced) {
  start(R"(
on: push
jobs:
  build:
    runs-on: [self-hosted, gpu]
    steps:
      - run: make
)");
  ASSERT_EQ(executor_.placements().size(), 1u);
  const JobPlacement& p = executor_.placements()[0].job;
  EXPECT_EQ(p.runs_on, (std::vector<std::string>{"self-hosted", "gpu"}));
  EXPECT_EQ(p.job_key, "build");
  EXPECT_EQ(p.workspace, "/tmp");
  EXPECT_TRUE(running().empty());

  send(0, Kind::kWaiting, "no agent with labels: gpu");
  EXPECT_EQ(job("build").status, RunStatus::kWaiting);
  EXPECT_EQ(job("build").reason, "no agent with labels: gpu");
  EXPECT_TRUE(running().empty());

  send(0, Kind::kPlaced);
  EXPECT_EQ(running(), std::vector<std::string>{"make"});
  EXPECT_EQ(job("build").status, RunStatus::kRunning);
  EXPECT_EQ(job("build").reason, "");
  finish("make");
  EXPECT_EQ(engine_->run().status, RunStatus::kSuccess);
}

TEST_F(JobPlacementTest, RunsOnIsEvaluatedWithTheMatrix) {
  start(R"(
on: push
jobs:
  build:
    strategy: {matrix: {os: [linux-a, linux-b]}}
    runs-on: ${{ matrix.os }}
    steps:
      - run: make
)");
  ASSERT_EQ(executor_.placements().size(), 2u);
  EXPECT_EQ(executor_.placements()[0].job.runs_on, std::vector<std::string>{"linux-a"});
  EXPECT_EQ(executor_.placements()[1].job.runs_on, std::vector<std::string>{"linux-b"});
}

TEST_F(JobPlacementTest, ALostAgentFailsTheJobWithAgentLost) {
  start(R"(
on: push
jobs:
  build:
    runs-on: linux
    steps:
      - run: make
      - run: echo after
        if: always()
)");
  send(0, Kind::kPlaced);
  ASSERT_EQ(running(), std::vector<std::string>{"make"});
  send(0, Kind::kLost, "agent lost");
  StepOutcome lost;
  lost.error_message = "agent lost";
  ASSERT_TRUE(executor_.finish_with("make", lost));
  pump();
  // The remote executor refuses the later steps of a lost job; the fake runs them.
  if (!running().empty()) finish("echo after", 0);
  EXPECT_EQ(job("build").status, RunStatus::kFailure);
  EXPECT_EQ(job("build").reason, "agent lost");
  EXPECT_EQ(engine_->run().status, RunStatus::kFailure);
  EXPECT_EQ(executor_.placements().size(), 1u);  // not placed again: no retry policy
}

TEST_F(JobPlacementTest, ALostAgentRequeuesTheJobWhenItsRetryPolicyAllows) {
  start(R"(
on: push
jobs:
  build:
    runs-on: linux
    retry: 2
    steps:
      - run: make
)");
  send(0, Kind::kPlaced);
  send(0, Kind::kLost, "agent lost");
  StepOutcome lost;
  lost.error_message = "agent lost";
  ASSERT_TRUE(executor_.finish_with("make", lost));
  pump();
  advance(0);
  ASSERT_EQ(executor_.placements().size(), 2u) << "the job is placed again";
  EXPECT_EQ(executor_.placements()[1].job.attempt, 2);
  send(1, Kind::kPlaced);
  EXPECT_EQ(job("build").attempt, 2);
  finish("make");
  EXPECT_EQ(job("build").status, RunStatus::kSuccess);
  EXPECT_EQ(engine_->run().status, RunStatus::kSuccess);
}

TEST_F(JobPlacementTest, CancellingAWaitingJobWithdrawsItsPlacement) {
  start(R"(
on: push
jobs:
  build:
    runs-on: gpu
    steps:
      - run: make
)");
  send(0, Kind::kWaiting, "no agent with labels: gpu");
  engine_->cancel();
  pump();
  EXPECT_TRUE(executor_.placements()[0].released);
  EXPECT_EQ(job("build").status, RunStatus::kCancelled);
  EXPECT_TRUE(engine_->finished());
  // A late grant of the withdrawn request starts nothing.
  send(0, Kind::kPlaced);
  EXPECT_TRUE(running().empty());
}

TEST_F(JobPlacementTest, AWaitingJobHoldsItsParallelSlot) {
  start(R"(
on: push
jobs:
  a:
    runs-on: gpu
    steps: [{run: a}]
  b:
    runs-on: linux
    steps: [{run: b}]
)",
        1);
  ASSERT_EQ(executor_.placements().size(), 1u) << "--jobs 1: b waits for a's slot";
  send(0, Kind::kPlaced);
  finish("a");
  ASSERT_EQ(executor_.placements().size(), 2u);
  send(1, Kind::kPlaced);
  finish("b");
  EXPECT_EQ(engine_->run().status, RunStatus::kSuccess);
}

}  // namespace
}  // namespace sluice::engine::testing
