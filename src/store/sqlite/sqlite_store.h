// SqliteStore: the default Store, an embedded SQLite database plus log files in a data
// directory (default ./.sluice):
//   <data dir>/sluice.db          runs, jobs, steps, attempts (with the log index), annotations
//   <data dir>/logs/<run>/<job>-<job attempt>.log  one per job attempt; each step
//                                                  attempt is a slice (offset, bytes)
// See docs/store.md for the schema and the durability guarantees.
//
// The database runs in WAL mode with synchronous=NORMAL: readers in other processes
// (`sluice runs`, the web UI) never block the writer, and a commit costs no fsync (a
// power cut may lose the last transactions; a crash of sluice itself loses nothing).
//
// Group commit: saves are queued and a writer thread commits them, many to a transaction,
// at most every `commit_interval`. The engine thread never waits for the disk, and a
// record saved several times before its commit (a step: pending, running, finished) is
// written once. create_run and save_run wait for their commit (a run's final status is
// its last word); queries first wait for this store's own queued writes. A transaction is
// retried on SQLITE_BUSY/SQLITE_LOCKED with backoff; when the database stays locked past
// the deadline its writes are dropped and the error is returned by the next call (or by
// flush()), never swallowed.
//
// Threading: any thread may call any method. Writes share one connection and queries
// another, so a query never waits for a write.
#pragma once

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "engine/store.h"
#include "store/file_log_writer.h"
#include "store/job_log.h"
#include "store/sqlite/database.h"

namespace sluice::store {

struct SqliteStoreOptions {
  // When false, opening a data dir without sluice.db fails instead of creating it
  // (read-only commands such as `sluice runs` must not leave a .sluice behind).
  bool create_if_missing = true;
  sqlite::DatabaseOptions database;
  FileLogWriterOptions log;
  // How long queued writes may gather before they are committed together. Readers in
  // other processes see a record at most this much (plus one commit) after it is saved.
  std::chrono::milliseconds commit_interval{10};
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
  Status save_attempt(const engine::AttemptRecord& attempt) override;
  Status add_annotation(const engine::Annotation& annotation) override;
  Result<std::shared_ptr<engine::LogWriter>> open_log(engine::AttemptRecord& attempt) override;

  Status flush() override;

  Result<std::vector<engine::RunRecord>> list_runs_before(int64_t before_id, int limit) override;
  Result<std::map<engine::RunStatus, int64_t>> count_runs_by_status() override;
  Result<engine::RunDetail> load_run(int64_t run_id) override;
  Result<std::vector<engine::RunRecord>> list_unfinished_runs() override;
  Result<bool> mark_interrupted(int64_t run_id, const std::string& reason,
                                int64_t finished_ms) override;
  Status append_deploy_journal(engine::DeployJournalEntry& entry) override;
  Status queue_deploy_journal(const engine::DeployJournalEntry& entry) override;
  Result<std::vector<engine::DeployJournalEntry>> load_deploy_journal(
      const std::string& deployment_id) override;
  Result<std::vector<engine::DeployJournalEntry>> list_deploy_heads(const std::string& environment,
                                                                    int limit) override;

  // Deployments (sqlite_store_deployments.cpp): every write waits for its commit.
  Status create_deployment(engine::DeploymentRecord& deployment) override;
  Status save_deployment(const engine::DeploymentRecord& deployment) override;
  Status add_deployment_review(const engine::DeploymentReview& review) override;
  Result<std::optional<engine::DeploymentRecord>> load_deployment(int64_t id) override;
  Result<std::vector<engine::DeploymentRecord>> list_deployments(
      const engine::DeploymentQuery& query) override;
  Result<std::optional<engine::DeploymentRecord>> last_good_deployment(
      const std::string& environment) override;
  Result<bool> try_start_deployment(int64_t id, int limit, int64_t now_ms) override;

  // The file behind an attempt's log_path (which is relative to the data dir).
  std::filesystem::path log_file(const std::string& log_path) const;
  const std::filesystem::path& data_dir() const { return data_dir_; }
  // Transactions retried because of lock contention since open: for tests.
  int64_t busy_retries() const;

  static constexpr const char* kDatabaseFile = "sluice.db";

 private:
  SqliteStore(std::filesystem::path data_dir, SqliteStoreOptions options,
              std::unique_ptr<sqlite::Database> writer, std::unique_ptr<sqlite::Database> reader);
  struct QueuedWrite {
    const char* what;
    std::function<Status(sqlite::Database&)> body;  // repeatable: a busy transaction reruns it
  };
  static constexpr size_t kMaxQueuedWrites = 4096;  // then callers wait: bounded memory

  // Queues `body`; a non-empty `key` names the record, replacing a queued save of it.
  // With `wait`, returns once it is committed.
  Status write(const char* what, std::string key, std::function<Status(sqlite::Database&)> body,
               bool wait = false);
  void run_writer();
  Status commit(std::vector<QueuedWrite>& batch);
  Status take_error_locked();
  // Deployments matching `where` (SQL over the deployments table aliased d, binding
  // `args`), newest first, with their reviews, in one read transaction.
  template <typename... Args>
  Result<std::vector<engine::DeploymentRecord>> query_deployments(const std::string& where,
                                                                  const Args&... args);

  std::filesystem::path data_dir_;
  SqliteStoreOptions options_;

  std::mutex queue_mutex_;
  std::condition_variable queue_filled_;     // the writer thread waits for work
  std::condition_variable queue_space_;      // callers wait while the queue is full
  std::condition_variable batch_committed_;  // callers of flush() and waiting writes
  std::vector<QueuedWrite> queued_;
  std::unordered_map<std::string, size_t> coalesce_;  // record key -> index in queued_
  uint64_t queued_count_ = 0;     // writes ever queued; a write's ticket is its number
  uint64_t committed_count_ = 0;  // writes up to this ticket are committed (or failed)
  bool flush_requested_ = false;
  bool stopping_ = false;
  std::optional<Status> failure_;  // the first error not yet returned to a caller
  std::chrono::steady_clock::time_point last_commit_;
  std::thread writer_thread_;

  // A job attempt's log stays open while its steps run; it is closed when the job's
  // final record (or the run's) is saved.
  void close_job_logs(int64_t run_id, const engine::JobRecord* job);
  std::mutex job_logs_mutex_;
  std::map<std::string, std::shared_ptr<JobLog>> job_logs_;  // by path

  mutable std::mutex write_mutex_;  // the writer connection: commits and busy_retries()
  std::unique_ptr<sqlite::Database> writer_;
  mutable std::mutex read_mutex_;
  std::unique_ptr<sqlite::Database> reader_;
};

}  // namespace sluice::store
