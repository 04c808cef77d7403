#include "store/sqlite/database.h"

#include <fmt/format.h>
#include <sqlite3.h>

#include <algorithm>
#include <thread>

namespace sluice::store::sqlite {

bool is_busy_code(int code) {
  int primary = code & 0xff;
  return primary == SQLITE_BUSY || primary == SQLITE_LOCKED;
}

bool is_storage_code(int code) {
  switch (code & 0xff) {
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_READONLY:
    case SQLITE_CANTOPEN:
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
    case SQLITE_NOMEM:
      return true;
    default:
      return false;
  }
}

void ErrorNote::note(int code) {
  last_code = code;
  if (is_busy_code(code)) busy_seen = true;
}

namespace {

// SQLite's words for `code`; a full disk is named as such, since "database or disk is
// full" leaves the reader guessing which (it is nearly always the disk).
std::string describe(int code) {
  if ((code & 0xff) == SQLITE_FULL) return "disk full (SQLITE_FULL: no space left on device)";
  return sqlite3_errstr(code);
}

}  // namespace

// ---- Statement ----------------------------------------------------------------------

Statement::~Statement() {
  if (stmt_ != nullptr) sqlite3_finalize(stmt_);
}

Statement::Statement(Statement&& other) noexcept
    : stmt_(std::exchange(other.stmt_, nullptr)),
      sql_(std::move(other.sql_)),
      errors_(other.errors_),
      last_code_(other.last_code_) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    if (stmt_ != nullptr) sqlite3_finalize(stmt_);
    stmt_ = std::exchange(other.stmt_, nullptr);
    sql_ = std::move(other.sql_);
    errors_ = other.errors_;
    last_code_ = other.last_code_;
  }
  return *this;
}

Error Statement::error(int code, std::string_view what) const {
  sqlite3* db = stmt_ != nullptr ? sqlite3_db_handle(stmt_) : nullptr;
  const char* file = db != nullptr ? sqlite3_db_filename(db, "main") : nullptr;
  return Error{
      fmt::format("sqlite: {} failed on {} ({}: {}) in: {}", what, file != nullptr ? file : "?",
                  describe(code), db != nullptr ? sqlite3_errmsg(db) : "", sql_),
      {}};
}

Status Statement::bind(int index, int64_t value) {
  int rc = sqlite3_bind_int64(stmt_, index, value);
  if (rc != SQLITE_OK) return error(rc, fmt::format("bind #{}", index));
  return Status::Ok();
}

Status Statement::bind(int index, std::string_view value) {
  int rc =
      sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (rc != SQLITE_OK) return error(rc, fmt::format("bind #{}", index));
  return Status::Ok();
}

Result<bool> Statement::step() {
  last_code_ = sqlite3_step(stmt_);
  if (last_code_ == SQLITE_ROW) return true;
  if (last_code_ == SQLITE_DONE) return false;
  if (errors_ != nullptr) errors_->note(last_code_);
  return error(last_code_, "step");
}

Status Statement::run() {
  while (true) {
    Result<bool> row = step();
    if (!row) return row.error();
    if (!*row) return Status::Ok();
  }
}

void Statement::reset() {
  // sqlite3_reset repeats the last step's error code; that error was already reported
  // by step(), so it is deliberately not reported twice here.
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

int64_t Statement::column_int64(int column) const {
  return sqlite3_column_int64(stmt_, column);
}
int Statement::column_int(int column) const {
  return sqlite3_column_int(stmt_, column);
}
bool Statement::is_null(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

std::string Statement::column_text(int column) const {
  const unsigned char* text = sqlite3_column_text(stmt_, column);
  if (text == nullptr) return "";
  return std::string(reinterpret_cast<const char*>(text),
                     static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
}

// ---- Database -----------------------------------------------------------------------

Result<std::unique_ptr<Database>> Database::open(const std::string& path, DatabaseOptions options) {
  sqlite3* db = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX |
              (options.create_if_missing ? SQLITE_OPEN_CREATE : 0);
  int rc = sqlite3_open_v2(path.c_str(), &db, flags,
                           options.vfs.empty() ? nullptr : options.vfs.c_str());
  if (rc != SQLITE_OK) {
    std::string message = db != nullptr ? sqlite3_errmsg(db) : describe(rc);
    sqlite3_close(db);  // sqlite3_open_v2 allocates a handle even on failure
    return Error{fmt::format("cannot open database {}: {}", path, message), {}};
  }
  std::unique_ptr<Database> database(new Database(db, path, options));
  sqlite3_extended_result_codes(db, 1);
  rc = sqlite3_busy_timeout(db, static_cast<int>(options.busy_timeout.count()));
  if (rc != SQLITE_OK) return database->error(rc, "busy_timeout");
  // By default the last connection to close checkpoints the WAL into the database and
  // deletes it, so every short-lived `sluice` command paid four fsyncs (WAL and database
  // at close; a directory sync and a header sync when the next command recreated the WAL),
  // tens of ms on a busy disk. The WAL stays instead and SQLite's auto-checkpoint (every
  // ~1000 pages, on a commit) moves it into the database. Durability is unchanged: with
  // synchronous=NORMAL commits were never synced (docs/store.md, "Durability").
  rc = sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
  if (rc != SQLITE_OK) return database->error(rc, "no_ckpt_on_close");
  return database;
}

Database::~Database() {
  cache_.clear();  // statements must be finalized before the connection closes
  if (db_ != nullptr) sqlite3_close(db_);
}

Error Database::error(int code, std::string_view what) const {
  return Error{fmt::format("sqlite: {} failed on {} ({}: {})", what, path_, describe(code),
                           sqlite3_errmsg(db_)),
               {}};
}

Status Database::exec(std::string_view sql) {
  std::string text(sql);
  char* message = nullptr;
  int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &message);
  if (rc == SQLITE_OK) return Status::Ok();
  errors_.note(rc);
  std::string detail = message != nullptr ? message : sqlite3_errstr(rc);
  sqlite3_free(message);
  return Error{fmt::format("sqlite: {} failed on {} ({}: {})", text.substr(0, 200), path_,
                           describe(rc), detail),
               {}};
}

Result<Statement> Database::prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) {
    errors_.note(rc);
    sqlite3_finalize(stmt);
    return Error{fmt::format("sqlite: prepare failed on {} ({}: {}) in: {}", path_, describe(rc),
                             sqlite3_errmsg(db_), sql),
                 {}};
  }
  return Statement(stmt, std::string(sql), &errors_);
}

Result<Statement*> Database::cached(const std::string& sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    Result<Statement> prepared = prepare(sql);
    if (!prepared) return prepared.error();
    it = cache_.emplace(sql, std::move(*prepared)).first;
  }
  it->second.reset();
  return &it->second;
}

Result<int64_t> Database::query_int(std::string_view sql) {
  Result<Statement> stmt = prepare(sql);
  if (!stmt) return stmt.error();
  Result<bool> row = stmt->step();
  if (!row) return row.error();
  if (!*row) return Error{fmt::format("sqlite: no row from: {}", sql), {}};
  return stmt->column_int64(0);
}

int64_t Database::last_insert_rowid() const {
  return sqlite3_last_insert_rowid(db_);
}
int64_t Database::changes() const {
  return sqlite3_changes64(db_);
}

Status Database::transaction(Mode mode, const std::function<Status()>& body) {
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + options_.retry_deadline;
  auto backoff = options_.first_backoff;
  while (true) {
    errors_ = ErrorNote{};
    Status status = exec(mode == Mode::kWrite ? "BEGIN IMMEDIATE" : "BEGIN");
    if (status) {
      status = body();
      // Statements left mid-result would keep the read snapshot alive; end them first.
      for (auto& [sql, statement] : cache_) statement.reset();
      if (status) status = exec("COMMIT");
    }
    if (status) return status;
    // A failed COMMIT may leave the transaction open (SQLITE_BUSY on commit); roll back
    // so the next try starts clean. ROLLBACK outside a transaction is harmless here.
    bool busy = errors_.busy_seen;
    int code = errors_.last_code;
    if (sqlite3_get_autocommit(db_) == 0) {
      Status rolled_back = exec("ROLLBACK");
      errors_ = ErrorNote{busy, code};  // what counts is why the body failed
      if (!rolled_back)
        return Error{status.error().message + "; then " + rolled_back.error().message, {}};
    }
    if (!busy) return status;
    if (Clock::now() + backoff > deadline) {
      return Error{fmt::format("database stayed locked for {} ms, giving up: {}",
                               options_.retry_deadline.count(), status.error().message),
                   {}};
    }
    ++busy_retries_;
    std::this_thread::sleep_for(backoff);
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
}

}  // namespace sluice::store::sqlite
