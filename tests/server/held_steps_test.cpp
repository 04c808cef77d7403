// StoreHeldSteps: which held steps a restarted controller takes, and how their log lines
// and result land in the records that the start-up recovery marked interrupted.
#include "server/held_steps.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "../store/temp_dir.h"
#include "core/secret_masker.h"
#include "store/log_paths.h"
#include "store/run_recovery.h"
#include "store/sqlite/sqlite_store.h"

namespace sluice::server {
namespace {

using engine::RunStatus;
using store::testing::TempDir;

constexpr const char* kDeadOwner = "999999:1";  // no lock file: a process that is gone

class StoreHeldStepsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = store::SqliteStore::open(dir_.path());
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    store_ = std::move(*opened);
    masker_.add("hunter2");
    held_ = std::make_unique<StoreHeldSteps>(
        *store_, dir_.path(), "own:1", [this](const std::string& t) { return masker_.mask(t); },
        clock_);
  }

  // A run of a dead controller: job "build" (attempt 1) finished step 0, was running step
  // 1 (attempt 2, after a retry) with two lines logged, and never started step 2. Then the
  // start-up recovery marked it interrupted.
  int64_t crashed_run(const std::string& owner = kDeadOwner) {
    engine::RunRecord run;
    run.workflow_file = "ci.yml";
    run.status = RunStatus::kRunning;
    run.owner = owner;
    EXPECT_TRUE(store_->create_run(run).ok());
    engine::JobRecord job;
    job.run_id = run.id;
    job.key = "build";
    job.status = RunStatus::kRunning;
    EXPECT_TRUE(store_->save_job(job).ok());
    for (int i = 0; i < 3; ++i) {
      engine::StepRecord step;
      step.run_id = run.id;
      step.job_key = "build";
      step.index = i;
      step.status = i == 0   ? RunStatus::kSuccess
                    : i == 1 ? RunStatus::kRunning
                             : RunStatus::kQueued;
      EXPECT_TRUE(store_->save_step(step).ok());
    }
    auto attempt = [&](int step, int number, RunStatus status, const std::string& line) {
      engine::AttemptRecord a;
      a.run_id = run.id;
      a.job_key = "build";
      a.step_index = step;
      a.attempt = number;
      a.status = status;
      auto log = store_->open_log(a);
      EXPECT_TRUE(log.ok());
      (*log)->append_line(line);
      if (engine::is_terminal(status)) {
        (*log)->close();
        a.log_lines = (*log)->lines();
        a.log_bytes = (*log)->bytes();
      } else {
        (*log)->append_line(line + " again");
        (*log)->flush();
        logs_.push_back(*log);  // still open when the process "dies"
      }
      EXPECT_TRUE(store_->save_attempt(a).ok());
    };
    attempt(0, 1, RunStatus::kSuccess, "step zero");
    attempt(1, 1, RunStatus::kFailure, "first try");
    attempt(1, 2, RunStatus::kRunning, "second try");
    EXPECT_TRUE(store_->flush().ok());
    EXPECT_TRUE(*store_->mark_interrupted(run.id, "the sluice process ended", 5));
    return run.id;
  }

  agent::HeldStep held(int64_t run_id, int step_index = 1, int step_attempt = 2) {
    agent::HeldStep h;
    h.lease_id = "l-1";
    h.step_id = 9;
    h.run_id = run_id;
    h.job_key = "build";
    h.attempt = 1;
    h.step_index = step_index;
    h.step_attempt = step_attempt;
    return h;
  }

  TempDir dir_;
  std::unique_ptr<store::SqliteStore> store_;
  SecretMasker masker_;
  engine::ManualClock clock_;
  std::unique_ptr<StoreHeldSteps> held_;
  std::vector<std::shared_ptr<engine::LogWriter>> logs_;
};

TEST_F(StoreHeldStepsTest, OnlyTheUnfinishedStepOfADeadControllersRunIsTaken) {
  int64_t run = crashed_run();
  EXPECT_EQ(held_->claim(held(run)), "");
  EXPECT_EQ(held_->claim(held(run, 0, 1)),
            "run " + std::to_string(run) + " job 'build' step 0 is recorded already (success)");
  EXPECT_NE(held_->claim(held(run, 1, 1)).find("recorded already (failure)"), std::string::npos)
      << "an earlier attempt that failed stays failed";
  EXPECT_NE(held_->claim(held(run, 2, 1)).find("never started"), std::string::npos);
  agent::HeldStep other_attempt = held(run);
  other_attempt.attempt = 2;
  EXPECT_NE(held_->claim(other_attempt).find("is not its latest"), std::string::npos);
  agent::HeldStep other_job = held(run);
  other_job.job_key = "test";
  EXPECT_NE(held_->claim(other_job).find("has no job 'test'"), std::string::npos);
  EXPECT_EQ(held_->claim(held(run + 100)), "no run " + std::to_string(run + 100));

  int64_t ours = crashed_run("own:1");
  EXPECT_NE(held_->claim(held(ours)).find("not a previous controller's"), std::string::npos);
}

TEST_F(StoreHeldStepsTest, DeliveredLinesAndResultLandInTheInterruptedRecords) {
  int64_t run = crashed_run();
  agent::HeldStep step = held(run);
  ASSERT_EQ(held_->claim(step), "");
  ASSERT_TRUE(held_->append_log(step, 0, {"third line", "the secret is hunter2"}).ok());
  agent::StepResult result;
  result.log_chunks = 1;
  result.outcome.started = true;
  result.outcome.exit_code = 0;
  result.outcome.outputs = {{"version", "1.2"}, {"token", "mask-me"}};
  result.masks = {"mask-me"};
  engine::Annotation note;
  note.level = engine::AnnotationLevel::kWarning;
  note.message = "careful hunter2";
  result.outcome.annotations = {note};
  ASSERT_TRUE(held_->record_result(step, result, "build-7").ok());

  auto detail = store_->load_run(run);
  ASSERT_TRUE(detail.ok());
  EXPECT_EQ(detail->run.status, RunStatus::kInterrupted) << "the run stays final";
  EXPECT_EQ(detail->jobs[0].status, RunStatus::kInterrupted)
      << "its later steps never ran: the job is not a success";
  const engine::StepRecord* s = nullptr;
  for (const auto& r : detail->steps)
    if (r.index == 1) s = &r;
  ASSERT_TRUE(s);
  EXPECT_EQ(s->status, RunStatus::kSuccess);
  EXPECT_EQ(s->exit_code, 0);
  EXPECT_EQ(s->outputs_json, R"({"version":"1.2","token":"***"})");
  EXPECT_NE(s->reason.find("delivered by agent build-7 after a controller restart"),
            std::string::npos);
  const engine::AttemptRecord* a = nullptr;
  for (const auto& r : detail->attempts)
    if (r.step_index == 1 && r.attempt == 2) a = &r;
  ASSERT_TRUE(a);
  EXPECT_EQ(a->status, RunStatus::kSuccess);
  EXPECT_EQ(a->log_lines, 4);
  std::string text = store::testing::read_file(store_->log_file(a->log_path));
  EXPECT_EQ(text.substr(a->log_offset, a->log_bytes),
            "second try\nsecond try again\nthird line\nthe secret is ***\n")
      << "the lines written before the crash, then the delivered ones, masked";
  ASSERT_EQ(detail->annotations.size(), 1u);
  EXPECT_EQ(detail->annotations[0].message, "careful ***");
  EXPECT_EQ(detail->annotations[0].step_index, 1);

  EXPECT_NE(held_->claim(step).find("recorded already (success)"), std::string::npos)
      << "a delivered step cannot be delivered again";
  EXPECT_FALSE(held_->append_log(step, 1, {"late"}).ok());
}

TEST_F(StoreHeldStepsTest, AFailedStepIsRecordedAsFailed) {
  int64_t run = crashed_run();
  agent::HeldStep step = held(run);
  ASSERT_EQ(held_->claim(step), "");
  agent::StepResult result;
  result.outcome.started = true;
  result.outcome.exit_code = 3;
  ASSERT_TRUE(held_->record_result(step, result, "a").ok());
  auto detail = store_->load_run(run);
  for (const auto& r : detail->steps)
    if (r.index == 1) {
      EXPECT_EQ(r.status, RunStatus::kFailure);
      EXPECT_NE(r.reason.find("exit code 3"), std::string::npos) << r.reason;
    }
}

// The engine said the step closes its job and, every other job having ended, the run
// (agent::HeldStep::terms, under the proof): both conclude from the delivered result, with
// continue-on-error applied, and the step's summary is kept.
TEST_F(StoreHeldStepsTest, AClosingStepConcludesItsJobAndRun) {
  int64_t run = crashed_run();
  agent::HeldStep step = held(run);
  step.terms.continue_on_error = true;
  step.terms.closes_job = true;
  step.terms.run_if_success = RunStatus::kSuccess;
  step.terms.run_if_failure = RunStatus::kFailure;
  ASSERT_EQ(held_->claim(step), "");
  agent::StepResult result;
  result.outcome.started = true;
  result.outcome.exit_code = 3;
  result.outcome.summary = "tests: 3 failed, hunter2\n";
  ASSERT_TRUE(held_->record_result(step, result, "a").ok());
  auto detail = store_->load_run(run);
  ASSERT_TRUE(detail.ok());
  EXPECT_EQ(detail->steps[1].status, RunStatus::kSuccess) << "continue-on-error";
  EXPECT_EQ(detail->steps[1].outcome, RunStatus::kFailure);
  EXPECT_EQ(detail->jobs[0].status, RunStatus::kSuccess);
  EXPECT_NE(detail->jobs[0].reason.find("concluded from the step that agent a delivered"),
            std::string::npos)
      << detail->jobs[0].reason;
  EXPECT_EQ(detail->run.status, RunStatus::kSuccess);
  EXPECT_EQ(store::testing::read_file(dir_.path() / store::step_summary_path(run)),
            "## build\n\ntests: 3 failed, ***\n\n");
}

TEST_F(StoreHeldStepsTest, AClosingStepThatTimedOutFailsItsJobAndRun) {
  int64_t run = crashed_run();
  agent::HeldStep step = held(run);
  step.terms.closes_job = true;
  step.terms.run_if_success = RunStatus::kSuccess;
  step.terms.run_if_failure = RunStatus::kFailure;
  ASSERT_EQ(held_->claim(step), "");
  agent::StepResult result;
  result.timed_out = true;  // the agent killed it at its timeout
  result.outcome.started = true;
  result.outcome.cancelled = true;
  result.outcome.signal = 15;
  ASSERT_TRUE(held_->record_result(step, result, "a").ok());
  auto detail = store_->load_run(run);
  EXPECT_EQ(detail->steps[1].status, RunStatus::kTimedOut);
  EXPECT_EQ(detail->jobs[0].status, RunStatus::kFailure);
  EXPECT_EQ(detail->run.status, RunStatus::kFailure);
}

TEST_F(StoreHeldStepsTest, TheRunStaysInterruptedWhileAnotherJobIs) {
  int64_t run = crashed_run();
  engine::JobRecord other;
  other.run_id = run;
  other.key = "test";
  other.status = RunStatus::kInterrupted;
  ASSERT_TRUE(store_->save_job(other).ok());
  agent::HeldStep step = held(run);
  step.terms.closes_job = true;
  step.terms.job_failed = true;  // an earlier step failed the job
  step.terms.run_if_success = RunStatus::kSuccess;
  step.terms.run_if_failure = RunStatus::kFailure;
  ASSERT_EQ(held_->claim(step), "");
  agent::StepResult result;
  result.outcome.started = true;
  result.outcome.exit_code = 0;
  ASSERT_TRUE(held_->record_result(step, result, "a").ok());
  auto detail = store_->load_run(run);
  EXPECT_EQ(detail->steps[1].status, RunStatus::kSuccess);
  EXPECT_EQ(detail->jobs[0].status, RunStatus::kFailure) << "job_failed";
  EXPECT_EQ(detail->run.status, RunStatus::kInterrupted);
}

// A controller killed during a delivery (the agent has no answer for chunk 0, so it sends
// it again to the next process): the chunk is not appended twice, and a chunk whose append
// the killed process had begun is cut off and appended once, whole.
TEST_F(StoreHeldStepsTest, AChunkResentAfterASecondRestartIsAppendedOnce) {
  int64_t run = crashed_run();
  agent::HeldStep step = held(run);
  ASSERT_EQ(held_->claim(step), "");
  ASSERT_TRUE(held_->append_log(step, 0, {"chunk zero"}).ok());
  ASSERT_TRUE(held_->append_log(step, 0, {"chunk zero"}).ok()) << "a resend";
  auto next_process = [&] {
    return std::make_unique<StoreHeldSteps>(*store_, dir_.path(), "own:2", nullptr, clock_);
  };
  auto second = next_process();
  ASSERT_EQ(second->claim(step), "");
  ASSERT_TRUE(second->append_log(step, 0, {"chunk zero"}).ok());
  ASSERT_TRUE(second->append_log(step, 1, {"chunk one"}).ok());
  // The second process dies halfway through chunk 2: "pending", half a line written.
  auto before = store_->load_run(run);
  ASSERT_TRUE(before.ok());
  const engine::AttemptRecord& a = before->attempts.back();
  std::filesystem::path log = store_->log_file(a.log_path);
  std::filesystem::path progress = dir_.path() / (a.log_path + ".held-1-2");
  auto size = std::filesystem::file_size(log);
  { std::ofstream(progress, std::ios::trunc) << "2 " << size << " pending\n"; }
  { std::ofstream(log, std::ios::app) << "chunk tw"; }
  auto third = next_process();
  ASSERT_EQ(third->claim(step), "");
  ASSERT_TRUE(third->append_log(step, 1, {"chunk one"}).ok());
  ASSERT_TRUE(third->append_log(step, 2, {"chunk two"}).ok());
  agent::StepResult result;
  result.log_chunks = 3;
  result.outcome.started = true;
  result.outcome.exit_code = 0;
  ASSERT_TRUE(third->record_result(step, result, "a").ok());
  auto detail = store_->load_run(run);
  ASSERT_TRUE(detail.ok());
  for (const auto& r : detail->attempts)
    if (r.step_index == 1 && r.attempt == 2) {
      std::string text = store::testing::read_file(store_->log_file(r.log_path));
      EXPECT_EQ(text.substr(r.log_offset, r.log_bytes),
                "second try\nsecond try again\nchunk zero\nchunk one\nchunk two\n");
    }
  EXPECT_FALSE(std::filesystem::exists(progress)) << "removed with the delivery";
}

}  // namespace
}  // namespace sluice::server
