// SqliteStore's deployment journal (table deploy_journal, schema version 8).
#include <fmt/format.h>

#include "store/sqlite/connection.h"
#include "store/sqlite/sqlite_store.h"

namespace sluice::store {

using engine::DeployJournalEntry;
using sqlite::Database;
using sqlite::Statement;

namespace {

constexpr const char* kJournalColumns =
    "deployment_id, seq, environment, run_id, target, phase, state, detail, time_ms";

DeployJournalEntry read_entry(const Statement& row) {
  DeployJournalEntry e;
  e.deployment_id = row.column_text(0);
  e.seq = row.column_int64(1);
  e.environment = row.column_text(2);
  e.run_id = row.column_int64(3);
  e.target = row.column_text(4);
  e.phase = row.column_text(5);
  e.state = row.column_text(6);
  e.detail = row.column_text(7);
  e.time_ms = row.column_int64(8);
  return e;
}

// The seq is read in the same write transaction as the insert, so appends from other
// processes cannot take it.
Status insert_entry(Database& db, const DeployJournalEntry& entry, int64_t& seq) {
  Result<Statement*> next =
      db.cached("SELECT COALESCE(MAX(seq), 0) + 1 FROM deploy_journal WHERE deployment_id = ?");
  if (!next) return next.error();
  if (Status bound = (*next)->bind(1, entry.deployment_id); !bound) return bound;
  Result<bool> row = (*next)->step();
  if (!row) return row.error();
  seq = (*next)->column_int64(0);
  (*next)->reset();
  return sqlite::run_cached(
      db,
      fmt::format("INSERT INTO deploy_journal ({}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                  kJournalColumns),
      entry.deployment_id, seq, entry.environment, entry.run_id, entry.target, entry.phase,
      entry.state, entry.detail, entry.time_ms);
}

}  // namespace

Status SqliteStore::append_deploy_journal(DeployJournalEntry& entry) {
  if (entry.deployment_id.empty()) return Error{"deploy journal entry without a deployment id", {}};
  int64_t seq = 0;
  // Waits for the commit: the deployer acts only on what is recorded.
  Status status = write(
      "append_deploy_journal", "",
      [&seq, entry](Database& db) { return insert_entry(db, entry, seq); }, true);
  if (!status) return status;
  entry.seq = seq;
  return Status::Ok();
}

Status SqliteStore::queue_deploy_journal(const DeployJournalEntry& entry) {
  if (entry.deployment_id.empty()) return Error{"deploy journal entry without a deployment id", {}};
  return write("queue_deploy_journal", "", [entry](Database& db) {
    int64_t seq = 0;
    return insert_entry(db, entry, seq);
  });
}

Result<std::vector<DeployJournalEntry>> SqliteStore::load_deploy_journal(
    const std::string& deployment_id) {
  if (Status flushed = flush(); !flushed) return flushed.error();
  std::lock_guard lock(read_mutex_);
  std::vector<DeployJournalEntry> entries;
  Status status = reader_->transaction(Database::Mode::kRead, [&] {
    entries.clear();
    return sqlite::for_each_row(
        *reader_,
        fmt::format("SELECT {} FROM deploy_journal WHERE deployment_id = ? ORDER BY seq",
                    kJournalColumns),
        [&](const Statement& row) { entries.push_back(read_entry(row)); }, deployment_id);
  });
  if (!status) return Error{"load_deploy_journal: " + status.error().message, {}};
  return entries;
}

Result<std::vector<DeployJournalEntry>> SqliteStore::list_deploy_heads(
    const std::string& environment, int limit) {
  if (Status flushed = flush(); !flushed) return flushed.error();
  std::lock_guard lock(read_mutex_);
  std::vector<DeployJournalEntry> heads;
  // A deployment's first row has the lowest rowid of its rows: "most recently started first"
  // is the order of those rowids.
  Status status = reader_->transaction(Database::Mode::kRead, [&] {
    heads.clear();
    return sqlite::for_each_row(
        *reader_,
        fmt::format("SELECT {} FROM deploy_journal j WHERE (?1 = '' OR environment = ?1) AND "
                    "seq = (SELECT MAX(seq) FROM deploy_journal m "
                    "       WHERE m.deployment_id = j.deployment_id) "
                    "ORDER BY (SELECT MIN(rowid) FROM deploy_journal f "
                    "          WHERE f.deployment_id = j.deployment_id) DESC LIMIT ?2",
                    kJournalColumns),
        [&](const Statement& row) { heads.push_back(read_entry(row)); }, environment,
        static_cast<int64_t>(limit));
  });
  if (!status) return Error{"list_deploy_heads: " + status.error().message, {}};
  return heads;
}

}  // namespace sluice::store
