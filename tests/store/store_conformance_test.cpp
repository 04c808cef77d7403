// The contract of engine::Store, run against every implementation (store_factories.h).
// Deployments have their own suite: deployment_conformance_test.cpp.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "record_matchers.h"
#include "store_factories.h"

namespace sluice::store::testing {
namespace {

using engine::Annotation;
using engine::AnnotationLevel;
using engine::AttemptRecord;
using engine::JobRecord;
using engine::RunRecord;
using engine::RunStatus;
using engine::StepRecord;

template <typename Factory>
class StoreConformanceTest : public ::testing::Test {
 protected:
  engine::Store& store() { return factory_.get(); }
  std::string read_log(const AttemptRecord& attempt) { return factory_.read_log(attempt); }

  RunRecord new_run(const std::string& workflow_file = ".github/workflows/ci.yml") {
    RunRecord run;
    run.workflow_file = workflow_file;
    run.workflow_name = "CI";
    run.event = "push";
    run.created_ms = 1000;
    EXPECT_TRUE(store().create_run(run).ok());
    return run;
  }

  Factory factory_;
};

TYPED_TEST_SUITE(StoreConformanceTest, StoreImplementations);

TYPED_TEST(StoreConformanceTest, CreateRunAssignsIdsAndRunNumbersPerWorkflow) {
  RunRecord a1 = this->new_run("a.yml");
  RunRecord a2 = this->new_run("a.yml");
  RunRecord b1 = this->new_run("b.yml");
  RunRecord a3 = this->new_run("a.yml");
  EXPECT_GT(a1.id, 0);
  EXPECT_LT(a1.id, a2.id);
  EXPECT_LT(a2.id, b1.id);
  EXPECT_LT(b1.id, a3.id);
  EXPECT_EQ(a1.run_number, 1);
  EXPECT_EQ(a2.run_number, 2);
  EXPECT_EQ(b1.run_number, 1);
  EXPECT_EQ(a3.run_number, 3);
}

TYPED_TEST(StoreConformanceTest, SaveRunRoundTripsEveryField) {
  RunRecord run = this->new_run();
  run.workflow_name = "Monthly ETL";
  run.run_name = "ETL for 2026-11";
  run.event = "workflow_dispatch";
  run.ref = "refs/heads/main";
  run.sha = "0123456789abcdef0123456789abcdef01234567";
  run.inputs_json = R"({"month":"2026-11","note":"quote \" and \\ and é ✓\nnewline"})";
  run.status = RunStatus::kInterrupted;
  run.reason = "sluice process 4242 ended before the run finished";
  run.owner = "4242:987654";
  run.workspace = "/home/me/repo";
  run.job_filter = "build";
  run.vars_json = R"({"REGION":"eu"})";
  run.rerun_of = 7;
  run.started_ms = 1'700'000'000'123;
  run.finished_ms = 1'700'000'360'456;
  ASSERT_TRUE(this->store().save_run(run).ok());
  auto loaded = this->store().load_run(run.id);
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  expect_same(loaded->run, run);
}

TYPED_TEST(StoreConformanceTest, SaveRunCannotRenumberARun) {
  RunRecord run = this->new_run();
  RunRecord changed = run;
  changed.run_number = 42;
  changed.status = RunStatus::kSuccess;
  ASSERT_TRUE(this->store().save_run(changed).ok());
  auto loaded = this->store().load_run(run.id);
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->run.run_number, run.run_number);
  EXPECT_EQ(loaded->run.status, RunStatus::kSuccess);
}

// A store that commits in the background reports a refused save from a later call or
// flush(); either way the error reaches the engine.
template <typename Store>
bool refused(Store& store, Status saved) {
  Status flushed = store.flush();
  return !saved.ok() || !flushed.ok();
}

TYPED_TEST(StoreConformanceTest, RecordsOfAnUnknownRunAreRefused) {
  RunRecord ghost;
  ghost.id = 9999;
  EXPECT_FALSE(this->store().save_run(ghost).ok());
  JobRecord job;
  job.run_id = 9999;
  job.key = "build";
  EXPECT_TRUE(refused(this->store(), this->store().save_job(job)));
  StepRecord step;
  step.run_id = 9999;
  step.job_key = "build";
  EXPECT_TRUE(refused(this->store(), this->store().save_step(step)));
  AttemptRecord attempt;
  attempt.run_id = 9999;
  attempt.job_key = "build";
  EXPECT_TRUE(refused(this->store(), this->store().save_attempt(attempt)));
  Annotation annotation;
  annotation.run_id = 9999;
  EXPECT_TRUE(refused(this->store(), this->store().add_annotation(annotation)));
  EXPECT_TRUE(this->store().flush().ok());  // each error is reported once
  auto loaded = this->store().load_run(9999);
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.error().message.find("9999"), std::string::npos);
}

TYPED_TEST(StoreConformanceTest, ARefusedSaveDoesNotTakeOtherSavesWithIt) {
  RunRecord run = this->new_run();
  JobRecord good;
  good.run_id = run.id;
  good.key = "good";
  JobRecord ghost;
  ghost.run_id = 9999;
  ghost.key = "ghost";
  JobRecord later = good;
  later.key = "later";
  Status s1 = this->store().save_job(good);
  Status s2 = this->store().save_job(ghost);
  Status s3 = this->store().save_job(later);
  Status flushed = this->store().flush();
  EXPECT_TRUE(!s2.ok() || !s3.ok() || !flushed.ok());
  auto loaded = this->store().load_run(run.id);
  ASSERT_TRUE(loaded.ok());
  ASSERT_EQ(loaded->jobs.size(), 2u);
  EXPECT_EQ(loaded->jobs[0].key, "good");
  EXPECT_EQ(loaded->jobs[1].key, "later");
  EXPECT_TRUE(s1.ok());
}

TYPED_TEST(StoreConformanceTest, JobsAreUpsertedByKeyAndKeepTheirFirstSaveOrder) {
  RunRecord run = this->new_run();
  JobRecord test_job{run.id, "test", "test", "Test", "", RunStatus::kWaiting, "", 1, "", 0, 0, ""};
  test_job.needs_json = R"(["build"])";
  JobRecord build{run.id,
                  "build (linux, 18)",
                  "build",
                  "Build",
                  R"({"os":"linux","node":18})",
                  RunStatus::kRunning,
                  "",
                  1,
                  "",
                  10,
                  0,
                  ""};
  ASSERT_TRUE(this->store().save_job(test_job).ok());
  ASSERT_TRUE(this->store().save_job(build).ok());
  test_job.status = RunStatus::kSkipped;
  test_job.reason = "needs build, which failed";
  test_job.attempt = 2;
  test_job.outputs_json = R"({"artifact":"***"})";
  test_job.started_ms = 5;
  test_job.finished_ms = 6;
  ASSERT_TRUE(this->store().save_job(test_job).ok());
  auto loaded = this->store().load_run(run.id);
  ASSERT_TRUE(loaded.ok());
  ASSERT_EQ(loaded->jobs.size(), 2u);
  expect_same(loaded->jobs[0], test_job);
  expect_same(loaded->jobs[1], build);
}

TYPED_TEST(StoreConformanceTest, StepsAreUpsertedAndOrderedByJobThenIndex) {
  RunRecord run = this->new_run();
  ASSERT_TRUE(
      this->store()
          .save_job(JobRecord{run.id, "b", "b", "", "", RunStatus::kRunning, "", 1, "", 0, 0, ""})
          .ok());
  ASSERT_TRUE(
      this->store()
          .save_job(JobRecord{run.id, "a", "a", "", "", RunStatus::kRunning, "", 1, "", 0, 0, ""})
          .ok());
  auto step = [&](const std::string& job, int index) {
    StepRecord s;
    s.run_id = run.id;
    s.job_key = job;
    s.index = index;
    s.step_id = job + std::to_string(index);
    s.name = "Step " + std::to_string(index);
    s.status = RunStatus::kRunning;
    return s;
  };
  for (auto [job, index] :
       std::vector<std::pair<std::string, int>>{{"a", 1}, {"b", 1}, {"a", 0}, {"b", 0}}) {
    ASSERT_TRUE(this->store().save_step(step(job, index)).ok());
  }
  StepRecord finished = step("a", 1);
  finished.status = RunStatus::kSuccess;
  finished.outcome = RunStatus::kFailure;  // continue-on-error
  finished.reason = "continue-on-error";
  finished.attempts = 3;
  finished.exit_code = 2;
  finished.outputs_json = R"({"rows":"42"})";
  finished.started_ms = 100;
  finished.finished_ms = 250;
  ASSERT_TRUE(this->store().save_step(finished).ok());

  auto loaded = this->store().load_run(run.id);
  ASSERT_TRUE(loaded.ok());
  ASSERT_EQ(loaded->steps.size(), 4u);
  std::vector<std::string> order;
  for (const auto& s : loaded->steps) order.push_back(s.job_key + std::to_string(s.index));
  EXPECT_EQ(order, (std::vector<std::string>{"b0", "b1", "a0", "a1"}));
  expect_same(loaded->steps[3], finished);
}

TYPED_TEST(StoreConformanceTest, AttemptsGetTheirOwnLogsAndAreUpserted) {
  RunRecord run = this->new_run();
  std::map<std::string, std::string> path_of;  // "job/job attempt" -> log path
  std::vector<AttemptRecord> saved;
  for (const std::string job : {"build (linux, 18)", "build (linux_ 18)", "../x", "a/b"}) {
    for (int job_attempt = 1; job_attempt <= 2; ++job_attempt) {
      for (int attempt = 1; attempt <= 2; ++attempt) {
        AttemptRecord a;
        a.run_id = run.id;
        a.job_key = job;
        a.step_index = 3;
        a.job_attempt = job_attempt;
        a.attempt = attempt;
        auto writer = this->store().open_log(a);
        ASSERT_TRUE(writer.ok());
        ASSERT_FALSE(a.log_path.empty());
        (*writer)->append_line(job + " " + std::to_string(job_attempt) + " " +
                               std::to_string(attempt));
        (*writer)->close();
        a.log_bytes = (*writer)->bytes();
        ASSERT_TRUE(this->store().save_attempt(a).ok());
        saved.push_back(a);
        std::string& path = path_of[job + "/" + std::to_string(job_attempt)];
        if (attempt == 1) {
          for (const auto& [other, other_path] : path_of) {
            EXPECT_TRUE(other_path != a.log_path) << "two job attempts share " << a.log_path;
          }
          path = a.log_path;
        }
      }
    }
  }
  for (const AttemptRecord& a : saved) {
    EXPECT_EQ(this->read_log(a), a.job_key + " " + std::to_string(a.job_attempt) + " " +
                                     std::to_string(a.attempt) + "\n");
  }
  AttemptRecord done = saved[1];
  done.status = RunStatus::kFailure;
  done.exit_code = 3;
  done.signal = 0;
  done.failure_class = FailureClass::kExitCode;
  done.reason = "exit code 3; retrying in 2s (exit-codes: [3])";
  done.log_lines = 12;
  done.log_bytes = 345;
  done.started_ms = 7;
  done.finished_ms = 9;
  std::string path_before = done.log_path;
  ASSERT_TRUE(this->store().save_attempt(done).ok());
  EXPECT_EQ(done.log_path, path_before);

  auto loaded = this->store().load_run(run.id);
  ASSERT_TRUE(loaded.ok());
  ASSERT_EQ(loaded->attempts.size(), saved.size());
  // No job was saved, so attempts are ordered by job key, then step, job attempt, attempt.
  auto it =
      std::find_if(loaded->attempts.begin(), loaded->attempts.end(), [&](const AttemptRecord& a) {
        return a.job_key == done.job_key && a.job_attempt == done.job_attempt &&
               a.attempt == done.attempt;
      });
  ASSERT_NE(it, loaded->attempts.end());
  expect_same(*it, done);
}

TYPED_TEST(StoreConformanceTest, AnnotationsKeepEveryFieldAndTheirOrder) {
  RunRecord run = this->new_run();
  Annotation first{
      run.id, "lint", 2, AnnotationLevel::kError, "unused variable 'x'", "Lint", "src/a.cpp", 10,
      12,     5,      9};
  Annotation second{run.id, "", -1, AnnotationLevel::kWarning, "deprecated", "", "", 0, 0, 0, 0};
  Annotation third{run.id, "test", 0, AnnotationLevel::kNotice, "coverage 81%", "", "", 0, 0, 0, 0};
  ASSERT_TRUE(this->store().add_annotation(first).ok());
  ASSERT_TRUE(this->store().add_annotation(second).ok());
  ASSERT_TRUE(this->store().add_annotation(third).ok());
  auto loaded = this->store().load_run(run.id);
  ASSERT_TRUE(loaded.ok());
  ASSERT_EQ(loaded->annotations.size(), 3u);
  expect_same(loaded->annotations[0], first);
  expect_same(loaded->annotations[1], second);
  expect_same(loaded->annotations[2], third);
}

TYPED_TEST(StoreConformanceTest, ListRunsIsNewestFirstAndHonoursTheLimit) {
  std::vector<int64_t> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(this->new_run(i % 2 == 0 ? "a.yml" : "b.yml").id);
  auto all = this->store().list_runs(0);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 5u);
  for (size_t i = 0; i < 5; ++i) EXPECT_EQ((*all)[i].id, ids[4 - i]);
  auto two = this->store().list_runs(2);
  ASSERT_TRUE(two.ok());
  ASSERT_EQ(two->size(), 2u);
  EXPECT_EQ((*two)[0].id, ids[4]);
  EXPECT_EQ((*two)[1].id, ids[3]);
  EXPECT_EQ((*two)[0].workflow_file, "a.yml");
}

TYPED_TEST(StoreConformanceTest, ListRunsBeforeAnIdPagesThroughTheHistory) {
  std::vector<int64_t> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(this->new_run().id);
  auto page = this->store().list_runs_before(ids[3], 2);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->size(), 2u);
  EXPECT_EQ((*page)[0].id, ids[2]);
  EXPECT_EQ((*page)[1].id, ids[1]);
  auto rest = this->store().list_runs_before(ids[1], 0);
  ASSERT_TRUE(rest.ok());
  ASSERT_EQ(rest->size(), 1u);
  EXPECT_EQ((*rest)[0].id, ids[0]);
  auto none = this->store().list_runs_before(ids[0], 10);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TYPED_TEST(StoreConformanceTest, CountsRunsByStatus) {
  auto empty = this->store().count_runs_by_status();
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
  for (RunStatus status : {RunStatus::kSuccess, RunStatus::kFailure, RunStatus::kSuccess}) {
    RunRecord run = this->new_run();
    run.status = status;
    ASSERT_TRUE(this->store().save_run(run).ok());
  }
  this->new_run();  // queued
  auto counts = this->store().count_runs_by_status();
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ((*counts)[RunStatus::kSuccess], 2);
  EXPECT_EQ((*counts)[RunStatus::kFailure], 1);
  EXPECT_EQ(counts->size(), 3u);
}

TYPED_TEST(StoreConformanceTest, RunsDoNotSeeEachOthersRecords) {
  RunRecord one = this->new_run();
  RunRecord two = this->new_run();
  ASSERT_TRUE(this->store()
                  .save_job(JobRecord{one.id, "build", "build", "", "", RunStatus::kSuccess, "", 1,
                                      "", 0, 0, ""})
                  .ok());
  StepRecord step;
  step.run_id = two.id;
  step.job_key = "build";
  ASSERT_TRUE(this->store().save_step(step).ok());
  auto first = this->store().load_run(one.id);
  auto second = this->store().load_run(two.id);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first->jobs.size(), 1u);
  EXPECT_EQ(first->steps.size(), 0u);
  EXPECT_EQ(second->jobs.size(), 0u);
  EXPECT_EQ(second->steps.size(), 1u);
}

TYPED_TEST(StoreConformanceTest, LogsHoldEveryLineAsWrittenPlusNewline) {
  RunRecord run = this->new_run();
  AttemptRecord attempt;
  attempt.run_id = run.id;
  attempt.job_key = "build (linux, 18)";
  attempt.step_index = 1;
  auto writer = this->store().open_log(attempt);
  ASSERT_TRUE(writer.ok()) << writer.error().message;
  ASSERT_FALSE(attempt.log_path.empty());  // filled by open_log when the engine did not save first
  std::string expected;
  for (std::string line :
       {"hello", "", "  indented\twith tab", "ünïcödé ✓", "::error::not a command here"}) {
    (*writer)->append_line(line);
    expected += line + "\n";
  }
  std::string long_line(200'000, 'x');
  (*writer)->append_line(long_line);
  expected += long_line + "\n";
  (*writer)->close();
  (*writer)->append_line("after close: ignored");
  (*writer)->close();  // idempotent
  EXPECT_EQ((*writer)->lines(), 6);
  EXPECT_EQ((*writer)->bytes(), static_cast<int64_t>(expected.size()));
  attempt.log_bytes = (*writer)->bytes();
  EXPECT_EQ(this->read_log(attempt), expected);
}

TYPED_TEST(StoreConformanceTest, AttemptsOfARetriedStepHaveSeparateLogs) {
  RunRecord run = this->new_run();
  std::vector<AttemptRecord> attempts;
  for (int n = 1; n <= 3; ++n) {
    AttemptRecord attempt;
    attempt.run_id = run.id;
    attempt.job_key = "flaky";
    attempt.attempt = n;
    ASSERT_TRUE(this->store().save_attempt(attempt).ok());
    auto writer = this->store().open_log(attempt);
    ASSERT_TRUE(writer.ok());
    (*writer)->append_line("attempt " + std::to_string(n));
    (*writer)->close();
    attempt.log_bytes = (*writer)->bytes();
    attempts.push_back(attempt);
  }
  for (int n = 1; n <= 3; ++n)
    EXPECT_EQ(this->read_log(attempts[n - 1]), "attempt " + std::to_string(n) + "\n");
}

// Crash recovery: an interrupted run ends, and with it whatever of it had not ended.
TYPED_TEST(StoreConformanceTest, MarkInterruptedEndsTheUnfinishedRecordsOfARun) {
  RunRecord run = this->new_run();
  run.status = RunStatus::kRunning;
  ASSERT_TRUE(this->store().save_run(run).ok());
  RunRecord done = this->new_run();
  done.status = RunStatus::kSuccess;
  ASSERT_TRUE(this->store().save_run(done).ok());
  for (auto [key, status] : {std::pair{"lint", RunStatus::kSuccess},
                             {"build", RunStatus::kRunning},
                             {"deploy", RunStatus::kQueued}}) {
    JobRecord job;
    job.run_id = run.id;
    job.key = key;
    job.status = status;
    ASSERT_TRUE(this->store().save_job(job).ok());
  }
  StepRecord step;
  step.run_id = run.id;
  step.job_key = "build";
  step.status = step.outcome = RunStatus::kRunning;
  ASSERT_TRUE(this->store().save_step(step).ok());
  AttemptRecord attempt;
  attempt.run_id = run.id;
  attempt.job_key = "build";
  ASSERT_TRUE(this->store().save_attempt(attempt).ok());

  auto unfinished = this->store().list_unfinished_runs();
  ASSERT_TRUE(unfinished.ok());
  ASSERT_EQ(unfinished->size(), 1u);
  EXPECT_EQ(unfinished->front().id, run.id);

  auto marked = this->store().mark_interrupted(run.id, "owner died", 5000);
  ASSERT_TRUE(marked.ok()) << marked.error().message;
  EXPECT_TRUE(*marked);
  auto loaded = this->store().load_run(run.id);
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->run.status, RunStatus::kInterrupted);
  EXPECT_EQ(loaded->run.reason, "owner died");
  EXPECT_EQ(loaded->run.finished_ms, 5000);
  std::map<std::string, RunStatus> jobs;
  for (const JobRecord& job : loaded->jobs) jobs[job.key] = job.status;
  EXPECT_EQ(jobs["lint"], RunStatus::kSuccess);
  EXPECT_EQ(jobs["build"], RunStatus::kInterrupted);
  EXPECT_EQ(jobs["deploy"], RunStatus::kInterrupted);
  ASSERT_EQ(loaded->steps.size(), 1u);
  EXPECT_EQ(loaded->steps[0].status, RunStatus::kInterrupted);
  EXPECT_EQ(loaded->steps[0].outcome, RunStatus::kInterrupted);
  ASSERT_EQ(loaded->attempts.size(), 1u);
  EXPECT_EQ(loaded->attempts[0].status, RunStatus::kInterrupted);
  EXPECT_EQ(loaded->attempts[0].reason, "owner died");
  EXPECT_TRUE(this->store().list_unfinished_runs()->empty());

  // A run its owner finished meanwhile is left as it is.
  auto again = this->store().mark_interrupted(done.id, "owner died", 6000);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(*again);
  EXPECT_EQ(this->store().load_run(done.id)->run.status, RunStatus::kSuccess);
}

// Store::save_run: a finished run's records whose final save was lost (a full disk) are
// closed with it; what was saved final keeps its own state, other runs are untouched.
TYPED_TEST(StoreConformanceTest, AFinishedRunClosesItsUnfinishedRecordsAndOnlyThose) {
  for (RunStatus final_status : {RunStatus::kFailure, RunStatus::kCancelled}) {
    RunRecord run = this->new_run();
    RunRecord other = this->new_run();
    JobRecord done{run.id, "done", "done", "Done", "", RunStatus::kSuccess, "", 1, "", 1, 2, ""};
    JobRecord lost{run.id, "lost", "lost", "Lost", "", RunStatus::kRunning, "", 1, "", 3, 0, ""};
    JobRecord elsewhere{other.id, "lost", "lost", "Lost", "", RunStatus::kRunning,
                        "",       1,      "",     3,      0,  ""};
    StepRecord step;
    step.run_id = run.id;
    step.job_key = "lost";
    step.status = step.outcome = RunStatus::kRunning;
    AttemptRecord attempt;
    attempt.run_id = run.id;
    attempt.job_key = "lost";
    attempt.job_attempt = attempt.attempt = 1;
    attempt.status = RunStatus::kRunning;
    for (const JobRecord& job : {done, lost, elsewhere})
      ASSERT_TRUE(this->store().save_job(job).ok());
    ASSERT_TRUE(this->store().save_step(step).ok());
    ASSERT_TRUE(this->store().save_attempt(attempt).ok());
    run.status = RunStatus::kRunning;  // not final: closes nothing
    ASSERT_TRUE(this->store().save_run(run).ok());
    auto loaded = this->store().load_run(run.id);
    ASSERT_TRUE(loaded.ok());
    EXPECT_EQ(loaded->jobs[1].status, RunStatus::kRunning);

    run.status = final_status;
    run.finished_ms = 5000;
    ASSERT_TRUE(this->store().save_run(run).ok());
    loaded = this->store().load_run(run.id);
    ASSERT_TRUE(loaded.ok());
    ASSERT_EQ(loaded->jobs.size(), 2u);
    expect_same(loaded->jobs[0], done);
    EXPECT_EQ(loaded->jobs[1].status, final_status);
    EXPECT_EQ(loaded->jobs[1].reason, engine::kNotRecordedReason);
    EXPECT_EQ(loaded->jobs[1].started_ms, 3);
    EXPECT_EQ(loaded->jobs[1].finished_ms, 5000);
    ASSERT_EQ(loaded->steps.size(), 1u);
    EXPECT_EQ(loaded->steps[0].status, final_status);
    EXPECT_EQ(loaded->steps[0].outcome, final_status);
    EXPECT_EQ(loaded->steps[0].reason, engine::kNotRecordedReason);
    ASSERT_EQ(loaded->attempts.size(), 1u);
    EXPECT_EQ(loaded->attempts[0].status, final_status);
    auto untouched = this->store().load_run(other.id);
    ASSERT_TRUE(untouched.ok());
    ASSERT_EQ(untouched->jobs.size(), 1u);
    EXPECT_EQ(untouched->jobs[0].status, RunStatus::kRunning);
  }
}

}  // namespace
}  // namespace sluice::store::testing
