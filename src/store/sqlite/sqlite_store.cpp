#include "store/sqlite/sqlite_store.h"

#include <fmt/format.h>

#include <limits>
#include <system_error>
#include <thread>

#include "store/job_log.h"
#include "store/log_paths.h"
#include "store/sqlite/connection.h"
#include "store/sqlite/migrations.h"

namespace sluice::store {

using engine::Annotation;
using engine::AttemptRecord;
using engine::JobRecord;
using engine::RunDetail;
using engine::RunRecord;
using engine::StepRecord;
using sqlite::Database;
using sqlite::enable_wal;
using sqlite::for_each_row;
using sqlite::open_connection;
using sqlite::run_cached;
using sqlite::Statement;

namespace {

constexpr const char* kRunColumns =
    "id, run_number, workflow_file, workflow_name, run_name, event, ref, sha, inputs_json, status, "
    "created_ms, started_ms, finished_ms, reason, owner, workspace, job_filter, vars_json, "
    "rerun_of";

RunRecord read_run(const Statement& row) {
  RunRecord run;
  run.id = row.column_int64(0);
  run.run_number = row.column_int64(1);
  run.workflow_file = row.column_text(2);
  run.workflow_name = row.column_text(3);
  run.run_name = row.column_text(4);
  run.event = row.column_text(5);
  run.ref = row.column_text(6);
  run.sha = row.column_text(7);
  run.inputs_json = row.column_text(8);
  run.status = engine::run_status_from_string(row.column_text(9));
  run.created_ms = row.column_int64(10);
  run.started_ms = row.column_int64(11);
  run.finished_ms = row.column_int64(12);
  run.reason = row.column_text(13);
  run.owner = row.column_text(14);
  run.workspace = row.column_text(15);
  run.job_filter = row.column_text(16);
  run.vars_json = row.column_text(17);
  run.rerun_of = row.column_int64(18);
  return run;
}

JobRecord read_job(const Statement& row) {
  JobRecord job;
  job.run_id = row.column_int64(0);
  job.key = row.column_text(1);
  job.job_id = row.column_text(2);
  job.name = row.column_text(3);
  job.matrix_json = row.column_text(4);
  job.status = engine::run_status_from_string(row.column_text(5));
  job.reason = row.column_text(6);
  job.attempt = row.column_int(7);
  job.outputs_json = row.column_text(8);
  job.started_ms = row.column_int64(9);
  job.finished_ms = row.column_int64(10);
  job.workflow_sha = row.column_text(11);
  job.needs_json = row.column_text(12);
  return job;
}

StepRecord read_step(const Statement& row) {
  StepRecord step;
  step.run_id = row.column_int64(0);
  step.job_key = row.column_text(1);
  step.index = row.column_int(2);
  step.step_id = row.column_text(3);
  step.name = row.column_text(4);
  step.status = engine::run_status_from_string(row.column_text(5));
  step.outcome = engine::run_status_from_string(row.column_text(6));
  step.reason = row.column_text(7);
  step.attempts = row.column_int(8);
  step.exit_code = row.column_int(9);
  step.outputs_json = row.column_text(10);
  step.started_ms = row.column_int64(11);
  step.finished_ms = row.column_int64(12);
  step.action_sha = row.column_text(13);
  return step;
}

AttemptRecord read_attempt(const Statement& row) {
  AttemptRecord attempt;
  attempt.run_id = row.column_int64(0);
  attempt.job_key = row.column_text(1);
  attempt.step_index = row.column_int(2);
  attempt.job_attempt = row.column_int(3);
  attempt.attempt = row.column_int(4);
  attempt.status = engine::run_status_from_string(row.column_text(5));
  attempt.exit_code = row.column_int(6);
  attempt.signal = row.column_int(7);
  // Unknown text (a newer sluice's class) reads as none rather than failing the load.
  attempt.failure_class = parse_failure_class(row.column_text(8)).value_or(FailureClass::kNone);
  attempt.reason = row.column_text(9);
  attempt.log_path = row.column_text(10);
  attempt.log_lines = row.column_int64(11);
  attempt.log_bytes = row.column_int64(12);
  attempt.started_ms = row.column_int64(13);
  attempt.finished_ms = row.column_int64(14);
  attempt.log_offset = row.column_int64(15);
  return attempt;
}

engine::AnnotationLevel level_from_string(const std::string& text) {
  if (text == "error") return engine::AnnotationLevel::kError;
  if (text == "warning") return engine::AnnotationLevel::kWarning;
  return engine::AnnotationLevel::kNotice;
}

Annotation read_annotation(const Statement& row) {
  Annotation annotation;
  annotation.run_id = row.column_int64(0);
  annotation.job_key = row.column_text(1);
  annotation.step_index = row.column_int(2);
  annotation.level = level_from_string(row.column_text(3));
  annotation.message = row.column_text(4);
  annotation.title = row.column_text(5);
  annotation.file = row.column_text(6);
  annotation.line = row.column_int(7);
  annotation.end_line = row.column_int(8);
  annotation.column = row.column_int(9);
  annotation.end_column = row.column_int(10);
  return annotation;
}

// Identifies a record for coalescing: a queued save is replaced by a newer copy.
template <typename... Parts>
std::string record_key(const Parts&... parts) {
  std::string key;
  ((key += fmt::format("{}", parts), key.push_back('\0')), ...);
  return key;
}

Status with_context(Status status, const std::string& what) {
  if (status) return status;
  return Error{what + ": " + status.error().message, {}};
}

// Ends a run's jobs, steps and attempts still queued, waiting or running: those of a run
// whose owner died (mark_interrupted) and those whose final save was lost (save_run, see
// Store). A step's outcome (before continue-on-error) ends the same way.
Status close_unfinished(Database& db, int64_t run_id, engine::RunStatus closed,
                        const std::string& reason, int64_t finished_ms) {
  const std::string unfinished = fmt::format("run_id = ? AND status IN ('{}', '{}', '{}')",
                                             engine::to_string(engine::RunStatus::kQueued),
                                             engine::to_string(engine::RunStatus::kWaiting),
                                             engine::to_string(engine::RunStatus::kRunning));
  for (const char* table : {"jobs", "steps", "attempts"}) {
    std::string outcome = std::string_view(table) == "steps" ? "outcome = ?1, " : "";
    Status status =
        run_cached(db,
                   fmt::format("UPDATE {} SET status = ?1, {}reason = ?2, finished_ms = CASE WHEN "
                               "finished_ms = 0 THEN ?3 ELSE finished_ms END WHERE {}",
                               table, outcome, unfinished),
                   engine::to_string(closed), reason, finished_ms, run_id);
    if (!status) return status;
  }
  return run_cached(
      db,
      "UPDATE deployments SET status = ?, waiting_on = '', reason = ?, updated_ms = ? "
      "WHERE run_id = ? AND status IN ('queued', 'waiting', 'in_progress')",
      engine::to_string(engine::closed_deployment_status(closed)), reason, finished_ms, run_id);
}

}  // namespace

SqliteStore::SqliteStore(std::filesystem::path data_dir, SqliteStoreOptions options,
                         std::unique_ptr<Database> writer, std::unique_ptr<Database> reader)
    : data_dir_(std::move(data_dir)),
      options_(options),
      writer_(std::move(writer)),
      reader_(std::move(reader)) {
  writer_thread_ = std::thread([this] { run_writer(); });
}

SqliteStore::~SqliteStore() {
  {
    std::lock_guard lock(queue_mutex_);
    stopping_ = true;
  }
  queue_filled_.notify_one();
  writer_thread_.join();  // commits what is still queued first
  for (auto& [path, job] : job_logs_) job->close();
}

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const std::filesystem::path& data_dir,
                                                       SqliteStoreOptions options) {
  std::filesystem::path db_path = data_dir / kDatabaseFile;
  std::error_code ec;
  if (!options.create_if_missing) {
    if (!std::filesystem::exists(db_path, ec)) {
      return Error{
          fmt::format("no sluice history in {} ({} not found)", data_dir.string(), kDatabaseFile),
          {}};
    }
  } else {
    std::filesystem::create_directories(data_dir / "logs", ec);
    if (ec)
      return Error{fmt::format("cannot create data dir {}: {}", data_dir.string(), ec.message()),
                   {}};
  }
  sqlite::DatabaseOptions db_options = options.database;
  db_options.create_if_missing = options.create_if_missing;
  auto writer = open_connection(db_path.string(), db_options);
  if (!writer) return writer.error();
  Status status = enable_wal(**writer, db_options.retry_deadline);
  if (status) status = sqlite::migrate(**writer);
  if (!status) return status.error();
  db_options.create_if_missing = false;
  auto reader = open_connection(db_path.string(), db_options);
  if (!reader) return reader.error();
  return std::unique_ptr<SqliteStore>(
      new SqliteStore(data_dir, options, std::move(*writer), std::move(*reader)));
}

Status SqliteStore::write(const char* what, std::string key, std::function<Status(Database&)> body,
                          bool wait) {
  std::unique_lock lock(queue_mutex_);
  queue_space_.wait(lock, [&] { return queued_.size() < kMaxQueuedWrites; });
  auto same = key.empty() ? coalesce_.end() : coalesce_.find(key);
  if (same != coalesce_.end()) {
    queued_[same->second].body = std::move(body);  // a newer copy of the same record
  } else {
    if (!key.empty()) coalesce_.emplace(std::move(key), queued_.size());
    queued_.push_back(QueuedWrite{what, std::move(body)});
  }
  uint64_t ticket = ++queued_count_;
  if (wait) {
    flush_requested_ = true;
    queue_filled_.notify_one();
    batch_committed_.wait(lock, [&] { return committed_count_ >= ticket; });
  } else if (queued_.size() == 1) {
    queue_filled_.notify_one();
  }
  return take_error_locked();
}

Status SqliteStore::flush() {
  std::unique_lock lock(queue_mutex_);
  uint64_t ticket = queued_count_;
  if (committed_count_ < ticket) {
    flush_requested_ = true;
    queue_filled_.notify_one();
    batch_committed_.wait(lock, [&] { return committed_count_ >= ticket; });
  }
  return take_error_locked();
}

Status SqliteStore::take_error_locked() {
  if (!failure_) return Status::Ok();
  Status error = std::move(*failure_);
  failure_.reset();
  return error;
}

void SqliteStore::run_writer() {
  std::unique_lock lock(queue_mutex_);
  while (true) {
    queue_filled_.wait(lock, [&] { return !queued_.empty() || stopping_; });
    if (queued_.empty()) return;  // stopping, and everything is committed
    // Let writes gather for a moment, unless somebody waits for them.
    queue_filled_.wait_until(lock, last_commit_ + options_.commit_interval, [&] {
      return flush_requested_ || stopping_ || queued_.size() >= kMaxQueuedWrites;
    });
    std::vector<QueuedWrite> batch;
    batch.swap(queued_);
    coalesce_.clear();
    flush_requested_ = false;
    uint64_t ticket = queued_count_;
    queue_space_.notify_all();
    lock.unlock();
    Status status = commit(batch);
    lock.lock();
    last_commit_ = std::chrono::steady_clock::now();
    if (!status && !failure_) failure_ = std::move(status);
    committed_count_ = ticket;
    batch_committed_.notify_all();
  }
}

Status SqliteStore::commit(std::vector<QueuedWrite>& batch) {
  // A write the database refuses (a record of an unknown run, say) must not take the rest
  // of its batch down with it: it is reported, and the batch committed without it.
  std::lock_guard lock(write_mutex_);
  Status first_error = Status::Ok();
  while (!batch.empty()) {
    size_t failed = batch.size();
    Status status = writer_->transaction(Database::Mode::kWrite, [&]() -> Status {
      for (size_t i = 0; i < batch.size(); ++i) {
        Status s = batch[i].body(*writer_);
        if (!s) {
          failed = i;
          return s;
        }
      }
      failed = batch.size();
      return Status::Ok();
    });
    if (status) break;
    // A full disk or an I/O error is not this write's fault: no write would get through.
    bool one_write_refused = failed < batch.size() && !writer_->gave_up_on_lock() &&
                             !sqlite::is_storage_code(writer_->last_error_code());
    if (first_error.ok())
      first_error = with_context(status, one_write_refused ? batch[failed].what : "commit");
    // A lock, a full disk or a failed COMMIT: the whole batch is lost.
    if (!one_write_refused) break;
    batch.erase(batch.begin() + static_cast<std::ptrdiff_t>(failed));
  }
  return first_error;
}

int64_t SqliteStore::busy_retries() const {
  int64_t total = 0;
  {
    std::lock_guard lock(write_mutex_);
    total += writer_->busy_retries();
  }
  std::lock_guard lock(read_mutex_);
  return total + reader_->busy_retries();
}

std::filesystem::path SqliteStore::log_file(const std::string& log_path) const {
  std::filesystem::path path(log_path);
  return path.is_absolute() ? path : data_dir_ / path;
}

Status SqliteStore::create_run(RunRecord& run) {
  int64_t id = 0;
  int64_t number = 0;
  Status status = write(
      "create_run", "",
      [&](Database& db) -> Status {
        Result<Statement*> next =
            db.cached("SELECT COALESCE(MAX(run_number), 0) + 1 FROM runs WHERE workflow_file = ?");
        if (!next) return next.error();
        Status bound = (*next)->bind(1, run.workflow_file);
        if (!bound) return bound;
        Result<bool> row = (*next)->step();
        if (!row) return row.error();
        number = (*next)->column_int64(0);
        Status inserted = run_cached(
            db,
            "INSERT INTO runs (run_number, workflow_file, workflow_name, run_name, event, ref, "
            "sha, inputs_json, status, created_ms, started_ms, finished_ms, reason, owner, "
            "workspace, job_filter, vars_json, rerun_of) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            number, run.workflow_file, run.workflow_name, run.run_name, run.event, run.ref, run.sha,
            run.inputs_json, engine::to_string(run.status), run.created_ms, run.started_ms,
            run.finished_ms, run.reason, run.owner, run.workspace, run.job_filter, run.vars_json,
            run.rerun_of);
        if (!inserted) return inserted;
        id = db.last_insert_rowid();
        return Status::Ok();
      },
      true);
  if (!status) return status;
  run.id = id;
  run.run_number = number;
  return Status::Ok();
}

Status SqliteStore::save_run(const RunRecord& run) {
  if (engine::is_terminal(run.status)) close_job_logs(run.id, nullptr);
  return write(
      "save_run", "",
      [&](Database& db) -> Status {
        Status updated = run_cached(
            db,
            "UPDATE runs SET workflow_file = ?, workflow_name = ?, run_name = ?, event = ?, "
            "ref = ?, sha = ?, inputs_json = ?, status = ?, created_ms = ?, started_ms = ?, "
            "finished_ms = ?, reason = ?, owner = ?, workspace = ?, job_filter = ?, vars_json = ?, "
            "rerun_of = ? WHERE id = ?",
            run.workflow_file, run.workflow_name, run.run_name, run.event, run.ref, run.sha,
            run.inputs_json, engine::to_string(run.status), run.created_ms, run.started_ms,
            run.finished_ms, run.reason, run.owner, run.workspace, run.job_filter, run.vars_json,
            run.rerun_of, run.id);
        if (!updated) return updated;
        if (db.changes() == 0) return Error{fmt::format("run {} does not exist", run.id), {}};
        if (!engine::is_terminal(run.status)) return Status::Ok();
        return close_unfinished(db, run.id, engine::closed_status(run.status),
                                engine::kNotRecordedReason, run.finished_ms);
      },
      true);
}

Status SqliteStore::save_job(const JobRecord& job) {
  if (engine::is_terminal(job.status)) close_job_logs(job.run_id, &job);
  std::string key = record_key("job", job.run_id, job.key);
  return write("save_job", std::move(key), [job](Database& db) {
    return run_cached(
        db,
        "INSERT INTO jobs (run_id, key, job_id, name, matrix_json, status, reason, attempt, "
        "outputs_json, started_ms, finished_ms, workflow_sha, needs_json) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (run_id, key) DO UPDATE SET job_id = excluded.job_id, name = excluded.name, "
        "matrix_json = excluded.matrix_json, status = excluded.status, reason = excluded.reason, "
        "attempt = excluded.attempt, outputs_json = excluded.outputs_json, "
        "started_ms = excluded.started_ms, finished_ms = excluded.finished_ms, "
        "workflow_sha = excluded.workflow_sha, needs_json = excluded.needs_json",
        job.run_id, job.key, job.job_id, job.name, job.matrix_json, engine::to_string(job.status),
        job.reason, job.attempt, job.outputs_json, job.started_ms, job.finished_ms,
        job.workflow_sha, job.needs_json);
  });
}

Status SqliteStore::save_step(const StepRecord& step) {
  std::string key = record_key("step", step.run_id, step.job_key, step.index);
  return write("save_step", std::move(key), [step](Database& db) {
    return run_cached(
        db,
        "INSERT INTO steps (run_id, job_key, step_index, step_id, name, status, outcome, reason, "
        "attempts, exit_code, outputs_json, started_ms, finished_ms, action_sha) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (run_id, job_key, step_index) DO UPDATE SET step_id = excluded.step_id, "
        "name = excluded.name, status = excluded.status, outcome = excluded.outcome, "
        "reason = excluded.reason, attempts = excluded.attempts, exit_code = excluded.exit_code, "
        "outputs_json = excluded.outputs_json, started_ms = excluded.started_ms, "
        "finished_ms = excluded.finished_ms, action_sha = excluded.action_sha",
        step.run_id, step.job_key, step.index, step.step_id, step.name,
        engine::to_string(step.status), engine::to_string(step.outcome), step.reason, step.attempts,
        step.exit_code, step.outputs_json, step.started_ms, step.finished_ms, step.action_sha);
  });
}

Status SqliteStore::save_attempt(const AttemptRecord& attempt) {
  std::string key = record_key("attempt", attempt.run_id, attempt.job_key, attempt.step_index,
                               attempt.job_attempt, attempt.attempt);
  return write("save_attempt", std::move(key), [attempt](Database& db) {
    return run_cached(
        db,
        "INSERT INTO attempts (run_id, job_key, step_index, job_attempt, attempt, status, "
        "exit_code, "
        "signal, failure_class, reason, log_path, log_offset, log_lines, log_bytes, started_ms, "
        "finished_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (run_id, job_key, step_index, job_attempt, attempt) DO UPDATE SET "
        "status = excluded.status, exit_code = excluded.exit_code, signal = excluded.signal, "
        "failure_class = excluded.failure_class, reason = excluded.reason, "
        "log_path = excluded.log_path, log_offset = excluded.log_offset, "
        "log_lines = excluded.log_lines, log_bytes = excluded.log_bytes, "
        "started_ms = excluded.started_ms, finished_ms = excluded.finished_ms",
        attempt.run_id, attempt.job_key, attempt.step_index, attempt.job_attempt, attempt.attempt,
        engine::to_string(attempt.status), attempt.exit_code, attempt.signal,
        std::string(to_string(attempt.failure_class)), attempt.reason, attempt.log_path,
        attempt.log_offset, attempt.log_lines, attempt.log_bytes, attempt.started_ms,
        attempt.finished_ms);
  });
}

Status SqliteStore::add_annotation(const Annotation& annotation) {
  return write("add_annotation", "", [annotation](Database& db) {
    return run_cached(
        db,
        "INSERT INTO annotations (run_id, job_key, step_index, level, message, title, file, line, "
        "end_line, col, end_col) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        annotation.run_id, annotation.job_key, annotation.step_index,
        engine::to_string(annotation.level), annotation.message, annotation.title, annotation.file,
        annotation.line, annotation.end_line, annotation.column, annotation.end_column);
  });
}

Result<std::shared_ptr<engine::LogWriter>> SqliteStore::open_log(AttemptRecord& attempt) {
  std::string path = job_log_path(attempt.run_id, attempt.job_key, attempt.job_attempt);
  std::lock_guard lock(job_logs_mutex_);
  std::shared_ptr<JobLog>& job = job_logs_[path];
  if (!job) job = std::make_shared<JobLog>(log_file(path), options_.log);
  attempt.log_path = std::move(path);
  return job->open_attempt(&attempt.log_offset);
}

void SqliteStore::close_job_logs(int64_t run_id, const JobRecord* job) {
  std::lock_guard lock(job_logs_mutex_);
  auto close = [&](std::map<std::string, std::shared_ptr<JobLog>>::iterator it) {
    it->second->close();
    return job_logs_.erase(it);
  };
  if (job != nullptr) {  // this job attempt and the earlier ones
    for (int attempt = 1; attempt <= job->attempt; ++attempt) {
      auto it = job_logs_.find(job_log_path(run_id, job->key, attempt));
      if (it != job_logs_.end()) close(it);
    }
    return;
  }
  std::string prefix = fmt::format("logs/{}/", run_id);
  for (auto it = job_logs_.lower_bound(prefix);
       it != job_logs_.end() && it->first.starts_with(prefix);)
    it = close(it);
}

Result<std::vector<RunRecord>> SqliteStore::list_runs_before(int64_t before_id, int limit) {
  if (Status flushed = flush(); !flushed) return flushed.error();  // read our own writes
  std::lock_guard lock(read_mutex_);
  std::vector<RunRecord> runs;
  Status status = reader_->transaction(Database::Mode::kRead, [&] {
    runs.clear();  // a retried transaction starts over
    return for_each_row(
        *reader_,
        fmt::format("SELECT {} FROM runs WHERE id < ? ORDER BY id DESC LIMIT ?", kRunColumns),
        [&](const Statement& row) { runs.push_back(read_run(row)); },
        before_id > 0 ? before_id : std::numeric_limits<int64_t>::max(),
        static_cast<int64_t>(limit > 0 ? limit : -1));
  });
  if (!status) return with_context(status, "list_runs").error();
  return runs;
}

Result<std::map<engine::RunStatus, int64_t>> SqliteStore::count_runs_by_status() {
  if (Status flushed = flush(); !flushed) return flushed.error();
  std::lock_guard lock(read_mutex_);
  std::map<engine::RunStatus, int64_t> counts;
  // runs_by_status (status, id) answers this from the index alone.
  Status status = reader_->transaction(Database::Mode::kRead, [&] {
    counts.clear();
    return for_each_row(
        *reader_, "SELECT status, COUNT(*) FROM runs GROUP BY status", [&](const Statement& row) {
          counts[engine::run_status_from_string(row.column_text(0))] += row.column_int64(1);
        });
  });
  if (!status) return with_context(status, "count_runs_by_status").error();
  return counts;
}

Result<std::vector<RunRecord>> SqliteStore::list_unfinished_runs() {
  if (Status flushed = flush(); !flushed) return flushed.error();  // read our own writes
  std::lock_guard lock(read_mutex_);
  std::vector<RunRecord> runs;
  // runs_by_status makes this a short index range, however long the history.
  Status status = reader_->transaction(Database::Mode::kRead, [&] {
    runs.clear();
    return for_each_row(
        *reader_,
        fmt::format("SELECT {} FROM runs WHERE status IN ('queued', 'waiting', 'running') "
                    "ORDER BY id",
                    kRunColumns),
        [&](const Statement& row) { runs.push_back(read_run(row)); });
  });
  if (!status) return with_context(status, "list_unfinished_runs").error();
  return runs;
}

Result<bool> SqliteStore::mark_interrupted(int64_t run_id, const std::string& reason,
                                           int64_t finished_ms) {
  bool changed = false;
  constexpr const char* kUnfinished = "status IN ('queued', 'waiting', 'running')";
  Status status = write(
      "mark_interrupted", "",
      [&, run_id, reason, finished_ms](Database& db) -> Status {
        changed = false;
        Status s = run_cached(db,
                              fmt::format("UPDATE runs SET status = 'interrupted', reason = ?, "
                                          "finished_ms = ? WHERE id = ? AND {}",
                                          kUnfinished),
                              reason, finished_ms, run_id);
        if (!s || db.changes() == 0) return s;  // finished meanwhile: leave it as it is
        changed = true;
        return close_unfinished(db, run_id, engine::RunStatus::kInterrupted, reason, finished_ms);
      },
      true);
  if (!status) return status.error();
  return changed;
}

Result<RunDetail> SqliteStore::load_run(int64_t run_id) {
  if (Status flushed = flush(); !flushed) return flushed.error();  // read our own writes
  std::lock_guard lock(read_mutex_);
  RunDetail detail;
  bool found = false;
  // One read transaction: a consistent snapshot even while a run is being written.
  Status status = reader_->transaction(Database::Mode::kRead, [&]() -> Status {
    detail = RunDetail{};
    found = false;
    Database& db = *reader_;
    Status s = for_each_row(
        db, fmt::format("SELECT {} FROM runs WHERE id = ?", kRunColumns),
        [&](const Statement& row) {
          detail.run = read_run(row);
          found = true;
        },
        run_id);
    if (!s || !found) return s;
    s = for_each_row(
        db,
        "SELECT run_id, key, job_id, name, matrix_json, status, reason, attempt, outputs_json, "
        "started_ms, finished_ms, workflow_sha, needs_json FROM jobs WHERE run_id = ? ORDER BY id",
        [&](const Statement& row) { detail.jobs.push_back(read_job(row)); }, run_id);
    if (!s) return s;
    // Steps and attempts follow their jobs' order; those of a job never saved come last.
    constexpr const char* kJobOrder =
        "COALESCE((SELECT j.id FROM jobs j WHERE j.run_id = t.run_id AND j.key = t.job_key), "
        "9223372036854775807)";
    s = for_each_row(
        db,
        fmt::format("SELECT run_id, job_key, step_index, step_id, name, status, outcome, reason, "
                    "attempts, exit_code, outputs_json, started_ms, finished_ms, action_sha "
                    "FROM steps t "
                    "WHERE run_id = ? ORDER BY {}, job_key, step_index",
                    kJobOrder),
        [&](const Statement& row) { detail.steps.push_back(read_step(row)); }, run_id);
    if (!s) return s;
    s = for_each_row(
        db,
        fmt::format("SELECT run_id, job_key, step_index, job_attempt, attempt, status, exit_code, "
                    "signal, failure_class, reason, log_path, log_lines, log_bytes, started_ms, "
                    "finished_ms, log_offset FROM attempts t WHERE run_id = ? "
                    "ORDER BY {}, job_key, step_index, job_attempt, attempt",
                    kJobOrder),
        [&](const Statement& row) { detail.attempts.push_back(read_attempt(row)); }, run_id);
    if (!s) return s;
    return for_each_row(
        db,
        "SELECT run_id, job_key, step_index, level, message, title, file, line, end_line, col, "
        "end_col FROM annotations WHERE run_id = ? ORDER BY id",
        [&](const Statement& row) { detail.annotations.push_back(read_annotation(row)); }, run_id);
  });
  if (!status) return with_context(status, "load_run").error();
  if (!found) return Error{fmt::format("run {} does not exist", run_id), {}};
  return detail;
}

}  // namespace sluice::store
