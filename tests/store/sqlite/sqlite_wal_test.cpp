// The WAL outlives a closed store (no checkpoint and no fsync when a `sluice` command
// exits) yet stays small (auto-checkpoints), and what was committed is all there when the
// next process opens the database.
#include <gtest/gtest.h>

#include <filesystem>

#include "../temp_dir.h"
#include "store/sqlite/sqlite_store.h"

namespace sluice::store {
namespace {

using testing::TempDir;

int64_t save_runs(const std::filesystem::path& data_dir, int count) {
  auto store = SqliteStore::open(data_dir);
  if (!store.ok()) throw std::runtime_error(store.error().message);
  int64_t last = 0;
  for (int i = 0; i < count; ++i) {
    engine::RunRecord run;
    run.workflow_file = ".github/workflows/ci.yml";
    run.event = "push";
    run.inputs_json = std::string(2000, 'x');  // a few pages per run, as real runs write
    Status created = (*store)->create_run(run);
    if (!created) throw std::runtime_error(created.error().message);
    last = run.id;
  }
  return last;
}

TEST(SqliteWal, ClosingTheStoreKeepsTheWalAndLosesNothing) {
  TempDir dir;
  int64_t id = save_runs(dir.path(), 1);
  // Before: the last connection checkpointed (two fsyncs) and deleted the WAL, and the next
  // command recreated it (a directory fsync and a header fsync).
  auto wal = dir.path() / "sluice.db-wal";
  ASSERT_TRUE(std::filesystem::exists(wal));
  EXPECT_GT(std::filesystem::file_size(wal), 0u);

  auto reopened = SqliteStore::open(dir.path());
  ASSERT_TRUE(reopened.ok()) << reopened.error().message;
  auto detail = (*reopened)->load_run(id);
  ASSERT_TRUE(detail.ok()) << detail.error().message;
  EXPECT_EQ(detail->run.workflow_file, ".github/workflows/ci.yml");
}

TEST(SqliteWal, AutoCheckpointsKeepTheWalSmall) {
  TempDir dir;
  for (int process = 0; process < 4; ++process) save_runs(dir.path(), 150);
  // SQLite's default (1000 pages) lets the WAL grow to ~4 MiB, which every new process
  // reads back in full; 256 pages bound it to ~1 MiB plus one transaction.
  EXPECT_LT(std::filesystem::file_size(dir.path() / "sluice.db-wal"), 1'300'000u);
  auto store = SqliteStore::open(dir.path());
  ASSERT_TRUE(store.ok());
  auto runs = (*store)->list_runs(1000);
  ASSERT_TRUE(runs.ok()) << runs.error().message;
  EXPECT_EQ(runs->size(), 600u);
}

}  // namespace
}  // namespace sluice::store
