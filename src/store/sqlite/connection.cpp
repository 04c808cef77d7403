#include "store/sqlite/connection.h"

#include <fmt/format.h>

#include <algorithm>
#include <thread>

namespace sluice::store::sqlite {

// Switching to WAL needs a moment of exclusive access, which the busy handler does not
// cover for this pragma; retry it like a write, but only while a lock is in the way: a
// full disk or an I/O error fails at once (retrying would only hide it). WAL is a property
// of the file, so this is a no-op on every open but the first.
Status enable_wal(Database& db, std::chrono::milliseconds deadline) {
  auto give_up = std::chrono::steady_clock::now() + deadline;
  auto backoff = std::chrono::milliseconds(5);
  while (true) {
    Result<Statement> stmt = db.prepare("PRAGMA journal_mode=WAL");
    std::string mode;
    Status failed = Status::Ok();
    if (!stmt) {
      failed = stmt.error();
    } else if (Result<bool> row = stmt->step(); !row) {
      failed = row.error();
    } else if (*row) {
      mode = stmt->column_text(0);
    }
    if (mode == "wal") return Status::Ok();
    // Without an error SQLite answers with the old mode when a lock kept it from switching.
    if (!failed.ok() && !is_busy_code(db.last_error_code())) {
      return Error{
          fmt::format("cannot initialise the database {}: {}", db.path(), failed.error().message),
          {}};
    }
    if (std::chrono::steady_clock::now() > give_up) {
      return Error{
          fmt::format("cannot switch {} to WAL mode (journal mode is '{}')", db.path(), mode), {}};
    }
    std::this_thread::sleep_for(backoff);
    backoff = std::min(backoff * 2, std::chrono::milliseconds(200));
  }
}

Result<std::unique_ptr<Database>> open_connection(const std::string& path,
                                                  DatabaseOptions options) {
  auto db = Database::open(path, options);
  if (!db) return db.error();
  // Per-connection settings; foreign keys keep records from pointing at missing runs.
  // Connections do not checkpoint when they close (database.cpp), so every process that
  // opens the database first reads the whole WAL back (SQLite's recovery, ~2 ms per 4 MiB);
  // checkpointing every 256 pages (1 MiB, ~15 one-step runs) keeps that small.
  for (const char* pragma : {"PRAGMA foreign_keys = ON", "PRAGMA synchronous = NORMAL",
                             "PRAGMA wal_autocheckpoint = 256"}) {
    Status status = (*db)->exec(pragma);
    if (!status) return status.error();
  }
  return std::move(*db);
}

}  // namespace sluice::store::sqlite
