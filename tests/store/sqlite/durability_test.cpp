// The issue's durability test: 500 short runs are written while ANOTHER PROCESS reads
// the database in a loop (and now and then takes the write lock itself); afterwards every
// run, step result, attempt and log line must be there. A peer CI server lost ~1% of its
// results under exactly this load; sluice must lose none.
//
// The reader is this same test binary, started again with --gtest_filter on the
// DurabilityReader test and SLUICE_DURABILITY_DIR set (a fresh process, not a fork of a
// process that already has threads).
#include <fcntl.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "../log_slice.h"
#include "../temp_dir.h"
#include "store/sqlite/database.h"
#include "store/sqlite/sqlite_store.h"

extern char** environ;

namespace sluice::store {
namespace {

using namespace std::chrono_literals;
using engine::RunStatus;
using testing::read_file;

constexpr int kRuns = 500;
constexpr int kSteps = 3;
constexpr int kLinesPerAttempt = 20;
constexpr const char* kDirVariable = "SLUICE_DURABILITY_DIR";

int attempts_of_step(int step) {
  return step == 1 ? 2 : 1;
}  // step 1 is retried once

std::string log_line(int64_t run_id, int step, int attempt, int line) {
  return fmt::format("run {} step {} attempt {} line {}: some output", run_id, step, attempt, line);
}

std::string expected_log(int64_t run_id, int step, int attempt) {
  std::string text;
  for (int line = 0; line < kLinesPerAttempt; ++line)
    text += log_line(run_id, step, attempt, line) + "\n";
  return text;
}

// Checks one finished run completely; returns what is wrong, empty when all is there.
std::string check_finished_run(SqliteStore& store, const engine::RunDetail& detail) {
  const auto& run = detail.run;
  if (detail.jobs.size() != 1) return fmt::format("run {}: {} jobs", run.id, detail.jobs.size());
  if (detail.jobs[0].status != RunStatus::kSuccess)
    return fmt::format("run {}: job not success", run.id);
  if (detail.jobs[0].outputs_json != fmt::format(R"({{"run":"{}"}})", run.id)) {
    return fmt::format("run {}: job outputs {}", run.id, detail.jobs[0].outputs_json);
  }
  if (detail.steps.size() != kSteps)
    return fmt::format("run {}: {} steps", run.id, detail.steps.size());
  for (int step = 0; step < kSteps; ++step) {
    const auto& record = detail.steps[step];
    if (record.index != step || record.status != RunStatus::kSuccess ||
        record.attempts != attempts_of_step(step) || record.exit_code != 0 ||
        record.outputs_json != fmt::format(R"({{"step":"{}"}})", step)) {
      return fmt::format("run {}: step {} wrong (status {}, attempts {})", run.id, step,
                         engine::to_string(record.status), record.attempts);
    }
  }
  if (detail.attempts.size() != 4)
    return fmt::format("run {}: {} attempts", run.id, detail.attempts.size());
  for (const auto& attempt : detail.attempts) {
    RunStatus want =
        attempt.step_index == 1 && attempt.attempt == 1 ? RunStatus::kFailure : RunStatus::kSuccess;
    if (attempt.status != want)
      return fmt::format("run {}: attempt status {}", run.id, engine::to_string(attempt.status));
    if (attempt.log_lines != kLinesPerAttempt)
      return fmt::format("run {}: log_lines {}", run.id, attempt.log_lines);
    std::string text = testing::read_log_slice(store, attempt);
    if (text != expected_log(run.id, attempt.step_index, attempt.attempt)) {
      return fmt::format("run {}: log {} has {} bytes, expected {}", run.id, attempt.log_path,
                         text.size(),
                         expected_log(run.id, attempt.step_index, attempt.attempt).size());
    }
    if (static_cast<int64_t>(text.size()) != attempt.log_bytes)
      return fmt::format("run {}: log_bytes", run.id);
  }
  if (detail.annotations.size() != 1 || detail.annotations[0].line != static_cast<int>(run.id)) {
    return fmt::format("run {}: {} annotations", run.id, detail.annotations.size());
  }
  return "";
}

Status write_one_run(SqliteStore& store, int64_t now_ms) {
  engine::RunRecord run;
  run.workflow_file = ".github/workflows/durable.yml";
  run.workflow_name = "durable";
  run.event = "push";
  run.created_ms = now_ms;
  Status s = store.create_run(run);
  if (!s) return s;
  run.status = RunStatus::kRunning;
  run.started_ms = now_ms;
  if (!(s = store.save_run(run))) return s;
  engine::JobRecord job{run.id, "build", "build", "Build", "", RunStatus::kRunning,
                        "",     1,       "",      now_ms,  0,  ""};
  if (!(s = store.save_job(job))) return s;
  for (int step = 0; step < kSteps; ++step) {
    engine::StepRecord record;
    record.run_id = run.id;
    record.job_key = "build";
    record.index = step;
    record.name = fmt::format("step {}", step);
    record.status = RunStatus::kRunning;
    if (!(s = store.save_step(record))) return s;
    for (int n = 1; n <= attempts_of_step(step); ++n) {
      engine::AttemptRecord attempt;
      attempt.run_id = run.id;
      attempt.job_key = "build";
      attempt.step_index = step;
      attempt.attempt = n;
      if (!(s = store.save_attempt(attempt))) return s;
      auto log = store.open_log(attempt);
      if (!log) return log.error();
      for (int line = 0; line < kLinesPerAttempt; ++line)
        (*log)->append_line(log_line(run.id, step, n, line));
      (*log)->close();
      bool fails = step == 1 && n == 1;
      attempt.status = fails ? RunStatus::kFailure : RunStatus::kSuccess;
      attempt.exit_code = fails ? 1 : 0;
      attempt.reason = fails ? "exit code 1; retrying" : "";
      attempt.log_lines = (*log)->lines();
      attempt.log_bytes = (*log)->bytes();
      if (!(s = store.save_attempt(attempt))) return s;
    }
    record.status = record.outcome = RunStatus::kSuccess;
    record.attempts = attempts_of_step(step);
    record.exit_code = 0;
    record.outputs_json = fmt::format(R"({{"step":"{}"}})", step);
    if (!(s = store.save_step(record))) return s;
  }
  engine::Annotation note;
  note.run_id = run.id;
  note.job_key = "build";
  note.step_index = 2;
  note.level = engine::AnnotationLevel::kWarning;
  note.message = "checked";
  note.line = static_cast<int>(run.id);
  if (!(s = store.add_annotation(note))) return s;
  job.status = RunStatus::kSuccess;
  job.outputs_json = fmt::format(R"({{"run":"{}"}})", run.id);
  if (!(s = store.save_job(job))) return s;
  run.status = RunStatus::kSuccess;
  run.finished_ms = now_ms + 1;
  return store.save_run(run);
}

// Stops the reader process however the test ends (a failed ASSERT returns early).
class ReaderProcess {
 public:
  ReaderProcess(pid_t pid, std::filesystem::path dir) : pid_(pid), dir_(std::move(dir)) {}
  ~ReaderProcess() {
    if (pid_ <= 0) return;
    stop();
    auto deadline = std::chrono::steady_clock::now() + 10s;
    int status = 0;
    while (waitpid(pid_, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        kill(pid_, SIGKILL);
        waitpid(pid_, &status, 0);
        break;
      }
      std::this_thread::sleep_for(10ms);
    }
  }
  void stop() { std::ofstream(dir_ / "stop").put('\n'); }
  // Stops the reader and returns its wait status.
  int finish() {
    stop();
    int status = 0;
    waitpid(std::exchange(pid_, 0), &status, 0);
    return status;
  }

 private:
  pid_t pid_;
  std::filesystem::path dir_;
};

TEST(Durability, FiveHundredRunsWhileAnotherProcessReadsLoseNothing) {
  testing::TempDir dir;
  SqliteStoreOptions options;
  // A short SQLite busy wait makes the writer go through its own retry loop whenever the
  // reader holds the write lock, which is the path that must not lose anything.
  options.database.busy_timeout = 5ms;
  auto store = SqliteStore::open(dir.path(), options);
  ASSERT_TRUE(store.ok()) << store.error().message;

  std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
  std::string filter = "--gtest_filter=DurabilityReader.*";
  std::string env_entry = std::string(kDirVariable) + "=" + dir.path().string();
  std::vector<char*> env;
  for (char** e = environ; *e != nullptr; ++e) env.push_back(*e);
  env.push_back(env_entry.data());
  env.push_back(nullptr);
  char* argv[] = {self.data(), filter.data(), nullptr};
  // The reader's own test output goes to a file, kept out of this test's output.
  std::string reader_output = (dir.path() / "reader-output").string();
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, reader_output.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t reader = 0;
  int spawned = posix_spawn(&reader, self.c_str(), &actions, nullptr, argv, env.data());
  posix_spawn_file_actions_destroy(&actions);
  ASSERT_EQ(spawned, 0);
  ReaderProcess reader_process(reader, dir.path());

  // Start writing once the reader is looping, so that the two really overlap.
  auto deadline = std::chrono::steady_clock::now() + 20s;
  while (!std::filesystem::exists(dir.path() / "reader-ready") &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(5ms);
  }
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "reader-ready"));

  auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < kRuns; ++i) {
    Status written = write_one_run(**store, 1'700'000'000'000 + i);
    ASSERT_TRUE(written.ok()) << "run " << i << ": " << written.error().message;
  }
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  int wait_status = reader_process.finish();
  std::string report = read_file(dir.path() / "reader-report");
  std::cout << fmt::format("[ writer   ] {} runs in {:.2f}s, {} busy retries\n", kRuns, seconds,
                           (*store)->busy_retries());
  std::cout << "[ reader   ] " << report;
  ASSERT_TRUE(WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0)
      << "reader process failed: " << report << read_file(reader_output);

  // Zero loss: a fresh connection sees every run with all its records and every log line.
  store->reset();
  auto reopened = SqliteStore::open(dir.path());
  ASSERT_TRUE(reopened.ok());
  auto runs = (*reopened)->list_runs(0);
  ASSERT_TRUE(runs.ok());
  ASSERT_EQ(runs->size(), static_cast<size_t>(kRuns));
  int64_t lines = 0;
  for (const auto& run : *runs) {
    EXPECT_EQ(run.status, RunStatus::kSuccess);
    auto detail = (*reopened)->load_run(run.id);
    ASSERT_TRUE(detail.ok());
    std::string problem = check_finished_run(**reopened, *detail);
    ASSERT_EQ(problem, "");
    for (const auto& attempt : detail->attempts) lines += attempt.log_lines;
  }
  EXPECT_EQ(lines, int64_t{kRuns} * 4 * kLinesPerAttempt);
  EXPECT_EQ(runs->back().run_number, 1);
  EXPECT_EQ(runs->front().run_number, kRuns);
}

// The reading process. Skipped unless started by the test above.
TEST(DurabilityReader, ReadsInALoopAndTakesTheWriteLockNowAndThen) {
  const char* dir_text = std::getenv(kDirVariable);
  if (dir_text == nullptr) GTEST_SKIP() << "runs only as the reader process of Durability.*";
  std::filesystem::path dir(dir_text);
  SqliteStoreOptions options;
  options.create_if_missing = false;
  auto store = SqliteStore::open(dir, options);
  ASSERT_TRUE(store.ok()) << store.error().message;
  auto locker = sqlite::Database::open((dir / SqliteStore::kDatabaseFile).string());
  ASSERT_TRUE(locker.ok());
  std::ofstream(dir / "reader-ready").put('\n');

  int64_t iterations = 0;
  int64_t runs_checked = 0;
  int64_t locks_held = 0;
  std::vector<std::string> problems;
  while (!std::filesystem::exists(dir / "stop") && problems.size() < 5) {
    ++iterations;
    auto runs = (*store)->list_runs(5);
    if (!runs) {
      problems.push_back(runs.error().message);
      continue;
    }
    for (const auto& run : *runs) {
      auto detail = (*store)->load_run(run.id);
      if (!detail) {
        problems.push_back(detail.error().message);
        continue;
      }
      // A run that says it finished must already be complete: the writer saves the run
      // last, so seeing "success" with a missing step would be a lost write.
      if (detail->run.status != RunStatus::kSuccess) continue;
      std::string problem = check_finished_run(**store, *detail);
      if (!problem.empty()) problems.push_back(problem);
      ++runs_checked;
    }
    // Like a UI polling, not a spin: with no pause and a lock every few iterations
    // the reader would hold the write lock nearly all the time and starve the writer.
    std::this_thread::sleep_for(1ms);
    if (iterations % 10 == 0) {
      Status held = (*locker)->transaction(sqlite::Database::Mode::kWrite, [] {
        std::this_thread::sleep_for(10ms);
        return Status::Ok();
      });
      if (!held) problems.push_back(held.error().message);
      ++locks_held;
    }
  }
  std::ofstream report(dir / "reader-report");
  report << fmt::format(
      "{} iterations, {} finished runs checked, write lock taken {} times, {} problems\n",
      iterations, runs_checked, locks_held, problems.size());
  for (const auto& problem : problems) report << "  " << problem << "\n";
  EXPECT_TRUE(problems.empty());
  EXPECT_GT(runs_checked, 0);
}

}  // namespace
}  // namespace sluice::store
