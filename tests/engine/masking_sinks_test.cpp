#include "engine/masking_sinks.h"

#include <gtest/gtest.h>

#include "engine/memory_store.h"

namespace sluice::engine {
namespace {

class RecordingObserver : public RunObserver {
 public:
  void on_job(const JobRecord& job) override { jobs.push_back(job); }
  void on_attempt(const AttemptRecord& attempt) override { attempts.push_back(attempt); }
  void on_annotation(const Annotation& a) override { annotations.push_back(a); }
  void on_error(const std::string& message) override { errors.push_back(message); }
  std::vector<JobRecord> jobs;
  std::vector<AttemptRecord> attempts;
  std::vector<Annotation> annotations;
  std::vector<std::string> errors;
};

std::shared_ptr<SecretMasker> masker_of(const char* secret) {
  auto masker = std::make_shared<SecretMasker>();
  masker->add(secret);
  return masker;
}

TEST(MaskingStore, MasksFreeTextButNotKeys) {
  MemoryStore memory;
  MaskingStore store(memory, masker_of("hunter2-secret"));
  RunRecord run;
  run.workflow_name = "deploy";
  run.run_name = "deploy hunter2-secret";
  run.inputs_json = R"({"token":"hunter2-secret"})";
  ASSERT_TRUE(store.create_run(run).ok());
  EXPECT_GT(run.id, 0);                              // assigned through the wrapper
  EXPECT_EQ(run.run_name, "deploy hunter2-secret");  // the caller's record is not changed

  JobRecord job;
  job.run_id = run.id;
  job.key = "build";
  job.name = "build for hunter2-secret";
  job.reason = "error: /nonexistent/hunter2-secret does not exist";
  job.outputs_json = R"({"v":"aHVudGVyMi1zZWNyZXQ="})";  // base64
  ASSERT_TRUE(store.save_job(job).ok());
  StepRecord step;
  step.run_id = run.id;
  step.job_key = "build";
  step.name = "echo hunter2-secret";
  ASSERT_TRUE(store.save_step(step).ok());
  AttemptRecord attempt;
  attempt.run_id = run.id;
  attempt.job_key = "build";
  attempt.reason = "exit code 1 (hunter2-secret)";
  ASSERT_TRUE(store.save_attempt(attempt).ok());
  Annotation note;
  note.run_id = run.id;
  note.job_key = "build";
  note.message = "m hunter2-secret";
  note.title = "t hunter2-secret";
  note.file = "hunter2-secret.txt";
  ASSERT_TRUE(store.add_annotation(note).ok());

  Result<RunDetail> detail = memory.load_run(run.id);
  ASSERT_TRUE(detail.ok());
  EXPECT_EQ(detail->run.run_name, "deploy ***");
  EXPECT_EQ(detail->run.inputs_json, R"({"token":"***"})");
  ASSERT_EQ(detail->jobs.size(), 1u);
  EXPECT_EQ(detail->jobs[0].key, "build");
  EXPECT_EQ(detail->jobs[0].name, "build for ***");
  EXPECT_EQ(detail->jobs[0].reason, "error: /nonexistent/*** does not exist");
  EXPECT_EQ(detail->jobs[0].outputs_json, R"({"v":"***"})");
  ASSERT_EQ(detail->steps.size(), 1u);
  EXPECT_EQ(detail->steps[0].name, "echo ***");
  ASSERT_EQ(detail->attempts.size(), 1u);
  EXPECT_EQ(detail->attempts[0].reason, "exit code 1 (***)");
  ASSERT_EQ(detail->annotations.size(), 1u);
  EXPECT_EQ(detail->annotations[0].message, "m ***");
  EXPECT_EQ(detail->annotations[0].title, "t ***");
  EXPECT_EQ(detail->annotations[0].file, "***.txt");
}

TEST(MaskingObserver, MasksWhatThePrinterSees) {
  RecordingObserver recording;
  MaskingObserver observer(recording, masker_of("hunter2-secret"));
  JobRecord job;
  job.key = "build";
  job.reason = "hunter2-secret";
  observer.on_job(job);
  AttemptRecord attempt;
  attempt.reason = "failed: hunter2-secret";
  observer.on_attempt(attempt);
  Annotation note;
  note.message = "hunter2-secret!";
  observer.on_annotation(note);
  observer.on_error("cannot save hunter2-secret");
  ASSERT_EQ(recording.jobs.size(), 1u);
  EXPECT_EQ(recording.jobs[0].reason, "***");
  EXPECT_EQ(recording.attempts.at(0).reason, "failed: ***");
  EXPECT_EQ(recording.annotations.at(0).message, "***!");
  EXPECT_EQ(recording.errors.at(0), "cannot save ***");
}

}  // namespace
}  // namespace sluice::engine
