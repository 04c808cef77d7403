// SqliteStore: the default Store, an embedded SQLite database plus log files in a data
// directory (default ./.sluice):
//   <data dir>/sluice.db          runs, jobs, steps, attempts (with the log index), annotations
//   <data dir>/logs/<run>/<job>/<step>-<job attempt>-<attempt>.log
// See docs/store.md for the schema and the durability guarantees.
//
// The database runs in WAL mode with synchronous=NORMAL: readers in other processes
// (`sluice runs`, the web UI) never block the writer, and a commit costs no fsync (a
// power cut may lose the last transactions; a crash of sluice itself loses nothing).
// Every write is one transaction, retried on SQLITE_BUSY/SQLITE_LOCKED with backoff;
// when the database stays locked past the deadline the write returns an Error.
//
// Threading: any thread may call any method. Writes share one connection and queries
// another, each behind its own mutex, so a query never waits for a write.
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <string>

#include "engine/store.h"
#include "store/file_log_writer.h"
#include "store/sqlite/database.h"

namespace sluice::store {

struct SqliteStoreOptions {
  // When false, opening a data dir without sluice.db fails instead of creating it
  // (read-only commands such as `sluice runs` must not leave a .sluice behind).
  bool create_if_missing = true;
  sqlite::DatabaseOptions database;
  FileLogWriterOptions log;
};

class SqliteStore : public engine::Store {
 public:
  static Result<std::unique_ptr<SqliteStore>> open(const std::filesystem::path& data_dir,
                                                   SqliteStoreOptions options = {});
  ~SqliteStore() override;

  Status create_run(engine::RunRecord& run) override;
  Status save_run(const engine::RunRecord& run) override;
  Status save_job(const engine::JobRecord& job) override;
  Status save_step(const engine::StepRecord& step) override;
  Status save_attempt(engine::AttemptRecord& attempt) override;
  Status add_annotation(const engine::Annotation& annotation) override;
  Result<std::shared_ptr<engine::LogWriter>> open_log(engine::AttemptRecord& attempt) override;

  Result<std::vector<engine::RunRecord>> list_runs(int limit) override;
  Result<engine::RunDetail> load_run(int64_t run_id) override;

  // The file behind an attempt's log_path (which is relative to the data dir).
  std::filesystem::path log_file(const std::string& log_path) const;
  const std::filesystem::path& data_dir() const { return data_dir_; }
  // Transactions retried because of lock contention since open: for tests.
  int64_t busy_retries() const;

  static constexpr const char* kDatabaseFile = "sluice.db";

 private:
  SqliteStore(std::filesystem::path data_dir, SqliteStoreOptions options, std::unique_ptr<sqlite::Database> writer,
              std::unique_ptr<sqlite::Database> reader);
  Status write(const char* what, const std::function<Status(sqlite::Database&)>& body);

  std::filesystem::path data_dir_;
  SqliteStoreOptions options_;
  mutable std::mutex write_mutex_;
  std::unique_ptr<sqlite::Database> writer_;
  mutable std::mutex read_mutex_;
  std::unique_ptr<sqlite::Database> reader_;
};

}  // namespace sluice::store
