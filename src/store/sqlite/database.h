// A thin RAII layer over the SQLite C API: Database owns a connection, Statement a
// prepared statement. Every SQLite return code is checked and turned into an Error that
// names the SQL and SQLite's own message; nothing is ignored.
//
// Contention: SQLite reports SQLITE_BUSY / SQLITE_LOCKED when another connection (often
// another process) holds a lock for longer than the busy timeout. `transaction()` then
// rolls back and runs the whole body again with exponential backoff, up to a total
// deadline, and only then returns an Error. A write is never dropped silently.
//
// Threading: a Database is used by one thread at a time (callers hold their own mutex).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace sluice::store::sqlite {

struct DatabaseOptions {
  bool create_if_missing = true;
  // How long SQLite itself waits on a lock before reporting SQLITE_BUSY.
  std::chrono::milliseconds busy_timeout{2000};
  // Then transaction() retries the whole transaction, sleeping first_backoff, doubling
  // up to max_backoff, until retry_deadline has passed since the first try.
  std::chrono::milliseconds first_backoff{5};
  std::chrono::milliseconds max_backoff{500};
  std::chrono::milliseconds retry_deadline{60000};
  // The SQLite VFS to open the file with; empty: SQLite's default. Tests pass one that
  // injects faults (a disk that fills up).
  std::string vfs;
};

// True for the result codes that mean "someone else holds the lock, try again".
bool is_busy_code(int code);
// True for the result codes that mean the file itself cannot be written or read (disk
// full, I/O error, read-only or corrupt file): retrying does not help, and no other
// write in the same transaction can succeed either.
bool is_storage_code(int code);

// The failures of one connection, noted by its statements as they happen.
struct ErrorNote {
  bool busy_seen = false;  // a lock got in the way since the transaction began
  int last_code = 0;       // the result code of the last failure (SQLITE_OK: none)
  void note(int code);
};

class Statement {
 public:
  Statement() = default;
  // `errors` (owned by the Database, which outlives its statements) notes each failed
  // step, so that a transaction knows whether to retry.
  Statement(sqlite3_stmt* stmt, std::string sql, ErrorNote* errors)
      : stmt_(stmt), sql_(std::move(sql)), errors_(errors) {}
  ~Statement();
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Parameters are 1-based, as in SQLite. Text is copied (SQLITE_TRANSIENT).
  Status bind(int index, int64_t value);
  Status bind(int index, int value) { return bind(index, static_cast<int64_t>(value)); }
  Status bind(int index, std::string_view value);
  Status bind(int index, const char* value) { return bind(index, std::string_view(value)); }
  Status bind(int index, const std::string& value) { return bind(index, std::string_view(value)); }
  // Binds all arguments in order starting at parameter 1.
  template <typename... Args>
  Status bind_all(const Args&... args) {
    int index = 0;
    Status status;
    ((status ? (status = bind(++index, args), 0) : 0), ...);
    return status;
  }

  // One step: true when a row is available, false when done.
  Result<bool> step();
  // Steps to the end, for statements that return no rows.
  Status run();
  // Resets for re-execution and clears the bindings.
  void reset();

  int64_t column_int64(int column) const;
  int column_int(int column) const;
  std::string column_text(int column) const;
  bool is_null(int column) const;

  int last_code() const { return last_code_; }
  const std::string& sql() const { return sql_; }

 private:
  Error error(int code, std::string_view what) const;

  sqlite3_stmt* stmt_ = nullptr;
  std::string sql_;
  ErrorNote* errors_ = nullptr;
  int last_code_ = 0;
};

class Database {
 public:
  static Result<std::unique_ptr<Database>> open(const std::string& path,
                                                DatabaseOptions options = {});
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Runs one or more statements that return no rows (PRAGMAs, DDL, BEGIN/COMMIT).
  Status exec(std::string_view sql);
  Result<Statement> prepare(std::string_view sql);
  // A prepared statement kept for the connection's life, reset and ready to bind.
  // The pointer stays valid until the Database is destroyed.
  Result<Statement*> cached(const std::string& sql);

  // Runs `body` inside BEGIN IMMEDIATE (write) or BEGIN (read) ... COMMIT. On a busy or
  // locked error anywhere in it the transaction is rolled back and `body` runs again
  // after a backoff, so `body` must be safe to repeat (it must not keep side effects
  // outside the database). Any other error rolls back and is returned.
  enum class Mode { kRead, kWrite };
  Status transaction(Mode mode, const std::function<Status()>& body);

  // Reads PRAGMA-style single integers, e.g. "PRAGMA user_version".
  Result<int64_t> query_int(std::string_view sql);
  int64_t last_insert_rowid() const;
  // Rows changed by the last INSERT/UPDATE/DELETE.
  int64_t changes() const;
  // How many times transaction() had to retry since open: for tests and diagnostics.
  int64_t busy_retries() const { return busy_retries_; }
  // Whether the last failed transaction failed because the database stayed locked.
  bool gave_up_on_lock() const { return errors_.busy_seen; }
  // The result code of the last failure on this connection (SQLITE_OK: none yet).
  int last_error_code() const { return errors_.last_code; }
  const std::string& path() const { return path_; }
  sqlite3* handle() const { return db_; }

 private:
  Database(sqlite3* db, std::string path, DatabaseOptions options)
      : db_(db), path_(std::move(path)), options_(options) {}
  Error error(int code, std::string_view what) const;

  sqlite3* db_ = nullptr;
  std::string path_;
  DatabaseOptions options_;
  std::map<std::string, Statement, std::less<>> cache_;
  int64_t busy_retries_ = 0;
  ErrorNote errors_;
};

}  // namespace sluice::store::sqlite
