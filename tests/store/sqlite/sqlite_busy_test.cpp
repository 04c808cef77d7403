// Lock contention: a write that meets a lock held by another connection waits and
// retries; it never vanishes, and when the lock outlives the deadline it fails loudly.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "../temp_dir.h"
#include "store/sqlite/database.h"
#include "store/sqlite/sqlite_store.h"

namespace sluice::store {
namespace {

using namespace std::chrono_literals;
using testing::TempDir;

SqliteStoreOptions impatient_options(std::chrono::milliseconds deadline) {
  SqliteStoreOptions options;
  // SQLite's own wait is kept short so that the retry loop, not the busy handler alone,
  // has to carry the write through.
  options.database.busy_timeout = 20ms;
  options.database.first_backoff = 5ms;
  options.database.max_backoff = 50ms;
  options.database.retry_deadline = deadline;
  return options;
}

// Holds the database's write lock from a separate connection for `hold`.
class LockHolder {
 public:
  LockHolder(const std::filesystem::path& db_path, std::chrono::milliseconds hold) {
    auto db = sqlite::Database::open(db_path.string());
    if (!db) throw std::runtime_error(db.error().message);
    db_ = std::move(*db);
    Status begun = db_->exec("BEGIN IMMEDIATE");
    if (!begun) throw std::runtime_error(begun.error().message);
    thread_ = std::thread([this, hold] {
      std::this_thread::sleep_for(hold);
      committed_ = db_->exec("COMMIT").ok();
    });
  }
  ~LockHolder() {
    if (thread_.joinable()) thread_.join();
  }
  bool committed() {
    if (thread_.joinable()) thread_.join();
    return committed_;
  }

 private:
  std::unique_ptr<sqlite::Database> db_;
  std::thread thread_;
  std::atomic<bool> committed_{false};
};

TEST(SqliteBusy, AWriteWaitsOutALockHeldByAnotherConnection) {
  TempDir dir;
  auto store = SqliteStore::open(dir.path(), impatient_options(10s));
  ASSERT_TRUE(store.ok()) << store.error().message;
  engine::RunRecord run;
  run.workflow_file = "ci.yml";
  ASSERT_TRUE((*store)->create_run(run).ok());

  auto started = std::chrono::steady_clock::now();
  {
    LockHolder holder(dir.path() / SqliteStore::kDatabaseFile, 600ms);
    run.status = engine::RunStatus::kSuccess;
    Status saved = (*store)->save_run(run);
    ASSERT_TRUE(saved.ok()) << saved.error().message;
    EXPECT_TRUE(holder.committed());
  }
  EXPECT_GE(std::chrono::steady_clock::now() - started, 550ms);
  EXPECT_GT((*store)->busy_retries(), 0);
  auto loaded = (*store)->load_run(run.id);
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->run.status, engine::RunStatus::kSuccess);
}

TEST(SqliteBusy, CreateRunUnderContentionStillNumbersRunsInOrder) {
  TempDir dir;
  auto store = SqliteStore::open(dir.path(), impatient_options(10s));
  ASSERT_TRUE(store.ok());
  LockHolder holder(dir.path() / SqliteStore::kDatabaseFile, 200ms);
  for (int i = 1; i <= 3; ++i) {
    engine::RunRecord run;
    run.workflow_file = "ci.yml";
    ASSERT_TRUE((*store)->create_run(run).ok());
    EXPECT_EQ(run.run_number, i);
  }
}

TEST(SqliteBusy, AWriteFailsWithAnErrorWhenTheLockOutlivesTheDeadline) {
  TempDir dir;
  auto store = SqliteStore::open(dir.path(), impatient_options(150ms));
  ASSERT_TRUE(store.ok());
  engine::RunRecord run;
  run.workflow_file = "ci.yml";
  ASSERT_TRUE((*store)->create_run(run).ok());
  {
    LockHolder holder(dir.path() / SqliteStore::kDatabaseFile, 1000ms);
    run.status = engine::RunStatus::kFailure;
    Status saved = (*store)->save_run(run);
    ASSERT_FALSE(saved.ok());
    EXPECT_NE(saved.error().message.find("locked"), std::string::npos) << saved.error().message;
  }
  // Once the lock is gone the same write goes through; nothing was half-applied.
  auto before = (*store)->load_run(run.id);
  ASSERT_TRUE(before.ok());
  EXPECT_EQ(before->run.status, engine::RunStatus::kQueued);
  ASSERT_TRUE((*store)->save_run(run).ok());
  EXPECT_EQ((*store)->load_run(run.id)->run.status, engine::RunStatus::kFailure);
}

TEST(SqliteBusy, ReadsAreNotBlockedByAWriter) {
  TempDir dir;
  auto store = SqliteStore::open(dir.path(), impatient_options(10s));
  ASSERT_TRUE(store.ok());
  engine::RunRecord run;
  run.workflow_file = "ci.yml";
  ASSERT_TRUE((*store)->create_run(run).ok());
  LockHolder holder(dir.path() / SqliteStore::kDatabaseFile, 500ms);
  auto started = std::chrono::steady_clock::now();
  auto runs = (*store)->list_runs(10);
  ASSERT_TRUE(runs.ok()) << runs.error().message;
  EXPECT_EQ(runs->size(), 1u);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 300ms);  // WAL: readers do not wait
}

TEST(SqliteDatabase, ErrorsNameTheStatement) {
  TempDir dir;
  auto db = sqlite::Database::open((dir.path() / "x.db").string());
  ASSERT_TRUE(db.ok());
  auto bad = (*db)->prepare("SELEC nonsense");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("SELEC nonsense"), std::string::npos) << bad.error().message;
  ASSERT_TRUE((*db)->exec("CREATE TABLE t (x INTEGER NOT NULL UNIQUE)").ok());
  ASSERT_TRUE((*db)->exec("INSERT INTO t VALUES (1)").ok());
  Status dup = (*db)->transaction(sqlite::Database::Mode::kWrite,
                                  [&] { return (*db)->exec("INSERT INTO t VALUES (1)"); });
  ASSERT_FALSE(dup.ok());
  EXPECT_NE(dup.error().message.find("UNIQUE"), std::string::npos) << dup.error().message;
  EXPECT_EQ((*db)->busy_retries(), 0);  // a constraint error is not retried
  EXPECT_EQ(*(*db)->query_int("SELECT COUNT(*) FROM t"), 1);
}

TEST(SqliteDatabase, MissingDatabaseIsNotCreatedWhenAskedNotTo) {
  TempDir dir;
  SqliteStoreOptions options;
  options.create_if_missing = false;
  auto store = SqliteStore::open(dir.path() / "nowhere", options);
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.error().message.find("no sluice history"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "nowhere"));
}

}  // namespace
}  // namespace sluice::store
