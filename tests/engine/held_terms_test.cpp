// HeldTerms: what the engine tells a step attempt its result decides on its own, for a
// controller that restarts while an agent runs the step (docs/agent-protocol.md,
// "Controller restarts").
#include <gtest/gtest.h>

#include "engine_harness.h"

namespace sluice::engine::testing {
namespace {

using HeldTermsTest = EngineHarness;

// The terms the running step `script` was started with.
HeldTerms terms_of(FakeExecutor& executor, const std::string& script) {
  for (const auto& e : executor.all())
    if (e->request.script == script && !e->done) return e->request.held;
  ADD_FAILURE() << "no running step " << script;
  return {};
}

TEST_F(HeldTermsTest, OnlyTheLastStepClosesTheJobAndOnlyTheLastJobTheRun) {
  start(R"(
on: push
jobs:
  build:
    runs-on: x
    timeout-minutes: 10
    steps:
      - run: first
        timeout-minutes: 1
      - run: last
        if: always()
        continue-on-error: ${{ 1 == 1 }}
  other:
    runs-on: x
    steps: [{run: other}]
)");
  HeldTerms first = terms_of(executor_, "first");
  EXPECT_EQ(first.timeout_ms, 60000) << "the step's own timeout, nearer than the job's";
  EXPECT_FALSE(first.closes_job);
  EXPECT_FALSE(first.continue_on_error);
  finish("first", 3);  // fails the job
  HeldTerms last = terms_of(executor_, "last");
  EXPECT_EQ(last.timeout_ms, 600000) << "what is left of the job's";
  EXPECT_TRUE(last.continue_on_error) << "evaluated when it starts";
  EXPECT_TRUE(last.closes_job);
  EXPECT_TRUE(last.job_failed);
  EXPECT_EQ(last.run_if_success, RunStatus::kQueued) << "job `other` still runs";
  finish("other");
  finish("last");
  EXPECT_EQ(job("build").status, RunStatus::kFailure);
}

// (Decided when the step starts: a job still running then keeps the run open.)
TEST_F(HeldTermsTest, TheLastJobClosesTheRunAsTheOthersLeftIt) {
  start(R"(
on: push
jobs:
  a:
    runs-on: x
    steps: [{run: a}]
  b:
    needs: a
    if: always()
    runs-on: x
    steps: [{run: b}]
)");
  finish("a", 1);
  HeldTerms b = terms_of(executor_, "b");
  EXPECT_TRUE(b.closes_job);
  EXPECT_EQ(b.run_if_success, RunStatus::kFailure) << "job a failed the run";
  EXPECT_EQ(b.run_if_failure, RunStatus::kFailure);
}

TEST_F(HeldTermsTest, ARunClosesWithItsLastJobAndJobContinueOnErrorCounts) {
  start(R"(
on: push
jobs:
  only:
    runs-on: x
    continue-on-error: true
    steps: [{run: only}]
)");
  HeldTerms t = terms_of(executor_, "only");
  EXPECT_TRUE(t.closes_job);
  EXPECT_EQ(t.run_if_success, RunStatus::kSuccess);
  EXPECT_EQ(t.run_if_failure, RunStatus::kSuccess) << "the job's continue-on-error";
}

TEST_F(HeldTermsTest, NoClosingWhenOutputsARetryOrADependantFollow) {
  start(R"(
on: push
jobs:
  outputs:
    runs-on: x
    outputs: {v: "${{ steps.s.outputs.v }}"}
    steps: [{id: s, run: outputs}]
  retried:
    runs-on: x
    steps:
      - run: retried
        retry: {max-attempts: 2}
  needed:
    runs-on: x
    steps: [{run: needed}]
  dependant:
    needs: needed
    runs-on: x
    steps: [{run: dependant}]
)");
  EXPECT_FALSE(terms_of(executor_, "outputs").closes_job) << "outputs need the job's context";
  EXPECT_FALSE(terms_of(executor_, "retried").closes_job) << "a retry is left";
  HeldTerms needed = terms_of(executor_, "needed");
  EXPECT_TRUE(needed.closes_job);
  EXPECT_EQ(needed.run_if_success, RunStatus::kQueued) << "its dependant has not run";
  finish("retried", 1);
  EXPECT_TRUE(terms_of(executor_, "retried").closes_job) << "its last attempt";
}

}  // namespace
}  // namespace sluice::engine::testing
