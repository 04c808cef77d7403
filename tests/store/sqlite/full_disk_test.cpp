// A full disk under the database (FullDiskVfs): SqliteStore fails at once with an error
// that names the file and says "disk full" (retries are for locks only), and once space
// returns the run can still be finished consistently.
#include <gtest/gtest.h>

#include <chrono>

#include "../temp_dir.h"
#include "full_disk_vfs.h"
#include "store/sqlite/sqlite_store.h"

namespace sluice::store {
namespace {

using namespace std::chrono_literals;
using engine::JobRecord;
using engine::RunRecord;
using engine::RunStatus;
using testing::FullDiskVfs;
using testing::TempDir;

// Long enough that a retried SQLITE_FULL shows in the elapsed time.
constexpr auto kRetryDeadline = 3s;
constexpr auto kPrompt = 1s;

SqliteStoreOptions on_disk(const FullDiskVfs& disk) {
  SqliteStoreOptions options;
  options.database.vfs = disk.name();
  options.database.retry_deadline = kRetryDeadline;
  return options;
}

std::chrono::milliseconds since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               start);
}

TEST(SqliteFullDisk, OpeningOnAFullDiskFailsAtOnceNamingTheFileAndTheCause) {
  FullDiskVfs disk("full-disk-open");
  disk.set_budget(0);
  TempDir dir;
  auto start = std::chrono::steady_clock::now();
  auto store = SqliteStore::open(dir.path(), on_disk(disk));
  auto elapsed = since(start);
  ASSERT_FALSE(store.ok());
  const std::string& message = store.error().message;
  EXPECT_NE(message.find((dir.path() / SqliteStore::kDatabaseFile).string()), std::string::npos)
      << message;
  EXPECT_NE(message.find("disk full"), std::string::npos) << message;
  EXPECT_LT(elapsed, kPrompt) << message;
  EXPECT_GT(disk.refused_writes(), 0);
}

TEST(SqliteFullDisk, ASaveOnAFullDiskFailsPromptlyAndTheRunCanBeFinishedOnceSpaceReturns) {
  FullDiskVfs disk("full-disk-save");
  TempDir dir;
  {
    auto store = SqliteStore::open(dir.path(), on_disk(disk));
    ASSERT_TRUE(store.ok()) << store.error().message;
    RunRecord run;
    run.workflow_file = "ci.yml";
    run.status = RunStatus::kRunning;
    ASSERT_TRUE((*store)->create_run(run).ok());

    JobRecord job{run.id, "build", "build", "Build", "", RunStatus::kRunning, "", 1, "", 1, 0, ""};
    ASSERT_TRUE((*store)->save_job(job).ok());
    ASSERT_TRUE((*store)->flush().ok());

    disk.set_budget(0);
    auto start = std::chrono::steady_clock::now();
    job.status = RunStatus::kSuccess;  // its final state: lost with the full disk
    job.finished_ms = 2;
    Status saved = (*store)->save_job(job);
    Status flushed = (*store)->flush();
    auto elapsed = since(start);
    Status failure = saved.ok() ? flushed : saved;
    ASSERT_FALSE(failure.ok());
    EXPECT_NE(failure.error().message.find("disk full"), std::string::npos)
        << failure.error().message;
    EXPECT_LT(elapsed, kPrompt);

    // The final status fails too while the disk is full, and says so.
    run.status = RunStatus::kFailure;
    run.finished_ms = 3;
    Status final_saved = (*store)->save_run(run);
    ASSERT_FALSE(final_saved.ok());
    EXPECT_NE(final_saved.error().message.find("disk full"), std::string::npos);

    // With space again, the final save goes through and closes what was lost.
    disk.set_budget(FullDiskVfs::kUnlimited);
    ASSERT_TRUE((*store)->save_run(run).ok());
    auto loaded = (*store)->load_run(run.id);
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;
    EXPECT_EQ(loaded->run.status, RunStatus::kFailure);
    ASSERT_EQ(loaded->jobs.size(), 1u);
    EXPECT_EQ(loaded->jobs[0].status, RunStatus::kFailure);
    EXPECT_EQ(loaded->jobs[0].reason, engine::kNotRecordedReason);
  }
}

}  // namespace
}  // namespace sluice::store
