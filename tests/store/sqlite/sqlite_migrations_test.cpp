#include <gtest/gtest.h>

#include "../temp_dir.h"
#include "store/sqlite/database.h"
#include "store/sqlite/migrations.h"
#include "store/sqlite/sqlite_store.h"

namespace sluice::store {
namespace {

using testing::TempDir;

TEST(SqliteMigrations, VersionsAreConsecutiveFromOne) {
  int expected = 1;
  for (const auto& migration : sqlite::schema_migrations())
    EXPECT_EQ(migration.version, expected++);
  EXPECT_EQ(sqlite::latest_schema_version(), expected - 1);
}

TEST(SqliteMigrations, ANewStoreIsAtTheLatestVersion) {
  TempDir dir;
  auto store = SqliteStore::open(dir.path());
  ASSERT_TRUE(store.ok());
  auto db = sqlite::Database::open((dir.path() / SqliteStore::kDatabaseFile).string());
  ASSERT_TRUE(db.ok());
  EXPECT_EQ(*sqlite::schema_version(**db), sqlite::latest_schema_version());
  auto mode = (*db)->prepare("PRAGMA journal_mode");
  ASSERT_TRUE(mode.ok());
  ASSERT_TRUE(*mode->step());
  EXPECT_EQ(mode->column_text(0), "wal");
}

// A database written by the first schema (no log index, no annotations) opens, keeps its
// history and gains the new columns and tables.
TEST(SqliteMigrations, AVersionOneDatabaseIsMigratedWithItsHistory) {
  TempDir dir;
  std::string path = (dir.path() / SqliteStore::kDatabaseFile).string();
  {
    auto db = sqlite::Database::open(path);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE(sqlite::migrate(**db, 1).ok());
    EXPECT_EQ(*sqlite::schema_version(**db), 1);
    ASSERT_TRUE(
        (*db)
            ->exec(
                "INSERT INTO runs (id, workflow_file, run_number, workflow_name, status) "
                "VALUES (7, 'ci.yml', 3, 'CI', 'success');"
                "INSERT INTO jobs (run_id, key, status) VALUES (7, 'build', 'success');"
                "INSERT INTO steps (run_id, job_key, step_index, status, outcome) "
                "VALUES (7, 'build', 0, 'success', 'success');"
                "INSERT INTO attempts (run_id, job_key, step_index, job_attempt, attempt, status) "
                "VALUES (7, 'build', 0, 1, 1, 'success');")
            .ok());
    // Version 1 has no annotations table: proves the test really starts from the old schema.
    EXPECT_FALSE((*db)->exec("SELECT * FROM annotations").ok());
  }
  auto store = SqliteStore::open(dir.path());
  ASSERT_TRUE(store.ok()) << store.error().message;
  auto run = (*store)->load_run(7);
  ASSERT_TRUE(run.ok()) << run.error().message;
  EXPECT_EQ(run->run.run_number, 3);
  EXPECT_EQ(run->run.status, engine::RunStatus::kSuccess);
  ASSERT_EQ(run->attempts.size(), 1u);
  EXPECT_EQ(run->attempts[0].log_path, "");
  EXPECT_EQ(run->attempts[0].log_lines, 0);
  engine::Annotation note;
  note.run_id = 7;
  note.message = "added after the migration";
  ASSERT_TRUE((*store)->add_annotation(note).ok());
  EXPECT_EQ((*store)->load_run(7)->annotations.size(), 1u);
  // Numbering continues from the migrated history.
  engine::RunRecord next;
  next.workflow_file = "ci.yml";
  ASSERT_TRUE((*store)->create_run(next).ok());
  EXPECT_EQ(next.run_number, 4);
  EXPECT_GT(next.id, 7);
}

TEST(SqliteMigrations, MigratingTwiceChangesNothing) {
  TempDir dir;
  std::string path = (dir.path() / "x.db").string();
  auto db = sqlite::Database::open(path);
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE(sqlite::migrate(**db).ok());
  ASSERT_TRUE(sqlite::migrate(**db).ok());
  EXPECT_EQ(*sqlite::schema_version(**db), sqlite::latest_schema_version());
}

TEST(SqliteMigrations, ADatabaseFromANewerSluiceIsRefused) {
  TempDir dir;
  {
    auto db = sqlite::Database::open((dir.path() / SqliteStore::kDatabaseFile).string());
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)->exec("PRAGMA user_version = 99").ok());
  }
  auto store = SqliteStore::open(dir.path());
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.error().message.find("schema version 99"), std::string::npos)
      << store.error().message;
  EXPECT_NE(store.error().message.find("upgrade sluice"), std::string::npos);
}

TEST(SqliteMigrations, AFailingMigrationLeavesTheVersionUnchanged) {
  TempDir dir;
  auto db = sqlite::Database::open((dir.path() / "x.db").string());
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE(sqlite::migrate(**db, 1).ok());
  // Sabotage: the annotations table already exists, so migration 2 fails half-way
  // (after its ALTER TABLEs); the transaction must undo those as well.
  ASSERT_TRUE((*db)->exec("CREATE TABLE annotations (x INTEGER)").ok());
  Status migrated = sqlite::migrate(**db);
  ASSERT_FALSE(migrated.ok());
  EXPECT_NE(migrated.error().message.find("version 2"), std::string::npos)
      << migrated.error().message;
  EXPECT_EQ(*sqlite::schema_version(**db), 1);
  EXPECT_FALSE((*db)->exec("SELECT log_path FROM attempts").ok());
}

}  // namespace
}  // namespace sluice::store
