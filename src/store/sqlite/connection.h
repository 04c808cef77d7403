// How sluice opens its SQLite files (sluice.db, runtime.db): the per-connection settings
// and the switch to WAL mode that every database of the data directory shares.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "core/result.h"
#include "store/sqlite/database.h"

namespace sluice::store::sqlite {

// Opens `path` with foreign keys on, synchronous=NORMAL and a small WAL autocheckpoint.
Result<std::unique_ptr<Database>> open_connection(const std::string& path, DatabaseOptions options);

// Puts the file in WAL mode, retrying while another connection holds a lock, up to
// `deadline`; other errors fail at once.
Status enable_wal(Database& db, std::chrono::milliseconds deadline);

// Runs a cached query with `args` and hands every row to `on_row`.
template <typename OnRow, typename... Args>
Status for_each_row(Database& db, const std::string& sql, OnRow on_row, const Args&... args) {
  Result<Statement*> stmt = db.cached(sql);
  if (!stmt) return stmt.error();
  Status bound = (*stmt)->bind_all(args...);
  if (!bound) return bound;
  while (true) {
    Result<bool> row = (*stmt)->step();
    if (!row) return row.error();
    if (!*row) return Status::Ok();
    on_row(**stmt);
  }
}

template <typename... Args>
Status run_cached(Database& db, const std::string& sql, const Args&... args) {
  Result<Statement*> stmt = db.cached(sql);
  if (!stmt) return stmt.error();
  Status bound = (*stmt)->bind_all(args...);
  if (!bound) return bound;
  return (*stmt)->run();
}

}  // namespace sluice::store::sqlite
