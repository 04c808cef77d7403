// The runner that `sluice run` and the controller share: a run reports its id to the
// attach hook while it runs, its messages go to the hooks' streams, and the controller's
// concurrency hook replaces the file locks. Starts real step processes (label: system).
#include "runner/workflow_runner.h"

#include <gtest/gtest.h>

#include <sstream>

#include "../store/temp_dir.h"
#include "actions/action_cache.h"
#include "plan/run_plan.h"
#include "spec/workflow_loader.h"

namespace sluice::runner {
namespace {

using store::testing::TempDir;

class RunWorkflowTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::ostringstream warnings;
    bool store_failed = false;
    auto opened = open_run_session(dir_.path() / "data", warnings, store_failed);
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    session_ = std::move(*opened);
    actions_ = std::make_unique<ActionSetup>((dir_.path() / "actions").string(),
                                             actions::ActionCache((dir_.path() / "cache").string()),
                                             actions::FetchOptions{});
    session_->actions = actions_.get();
    session_->max_parallel_jobs = 1;
  }

  WorkflowOutcome run(const std::string& yaml, const RunHooks& hooks) {
    Diagnostics diagnostics;
    auto loaded = spec::load_workflow_text(yaml, "ci.yml", diagnostics);
    EXPECT_TRUE(loaded) << diagnostics.format();
    workflow_ = std::make_unique<spec::Workflow>(std::move(*loaded));
    plan_ = plan::build_run_plan(*workflow_, dir_.path().string(), diagnostics);
    EXPECT_TRUE(plan_) << diagnostics.format();
    WorkflowRun r;
    r.workflow = workflow_.get();
    r.plan = plan_.get();
    r.repo_dir = dir_.path().string();
    return run_workflow(*session_, r, hooks);
  }

  TempDir dir_;
  std::unique_ptr<RunSession> session_;
  std::unique_ptr<ActionSetup> actions_;
  std::unique_ptr<spec::Workflow> workflow_;
  std::unique_ptr<plan::RunPlan> plan_;
};

class Noted : public RunAttachment {
 public:
  explicit Noted(bool& detached) : detached_(detached) {}
  ~Noted() override { detached_ = true; }

 private:
  bool& detached_;
};

TEST_F(RunWorkflowTest, AttachSeesTheRecordedRunAndMessagesGoToTheHooks) {
  std::ostringstream out;
  int64_t attached_id = 0;
  bool detached = false;
  RunHooks hooks;
  hooks.out = &out;
  hooks.attach = [&](ActiveRun& active) -> std::unique_ptr<RunAttachment> {
    attached_id = active.run.id;
    return std::make_unique<Noted>(detached);
  };
  WorkflowOutcome outcome =
      run("on: push\njobs:\n  a:\n    runs-on: local\n    steps:\n      - run: echo hi\n", hooks);
  EXPECT_EQ(outcome.status, engine::RunStatus::kSuccess);
  EXPECT_TRUE(outcome.recorded);
  EXPECT_GT(outcome.run_id, 0);
  EXPECT_EQ(attached_id, outcome.run_id);
  EXPECT_TRUE(detached);
  EXPECT_NE(out.str().find("run " + std::to_string(outcome.run_id) + " summary"),
            std::string::npos);
}

TEST_F(RunWorkflowTest, ARefusedConcurrencyGroupRecordsTheRunCancelled) {
  RunHooks hooks;
  std::string asked;
  hooks.acquire_group = [&](const std::string& group, bool, bool) {
    asked = group;
    return false;
  };
  WorkflowOutcome outcome = run(
      "on: push\nconcurrency: deploy\njobs:\n  a:\n    runs-on: local\n    steps:\n      - run: "
      "echo hi\n",
      hooks);
  EXPECT_EQ(asked, "deploy");
  EXPECT_EQ(outcome.status, engine::RunStatus::kCancelled);
  ASSERT_GT(outcome.run_id, 0);
  EXPECT_EQ(session_->store->load_run(outcome.run_id)->run.status, engine::RunStatus::kCancelled);
}

}  // namespace
}  // namespace sluice::runner
