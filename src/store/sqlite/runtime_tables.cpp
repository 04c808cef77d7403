#include "store/sqlite/runtime_tables.h"

#include <filesystem>

#include "store/sqlite/connection.h"
#include "store/sqlite/migrations.h"

namespace sluice::store::sqlite {

namespace {

// Version 1. Keys are compared bytewise (BINARY collation); the (scope, version, key) index
// serves both exact and prefix lookups (a prefix scan starts at `key >= prefix`).
constexpr const char* kRuntimeTables = R"sql(
CREATE TABLE cache_entries (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  scope        TEXT    NOT NULL,
  key          TEXT    NOT NULL,
  version      TEXT    NOT NULL,
  blob_digest  TEXT    NOT NULL DEFAULT '',
  size         INTEGER NOT NULL DEFAULT 0,
  finalized    INTEGER NOT NULL DEFAULT 0,
  created_ms   INTEGER NOT NULL,
  last_used_ms INTEGER NOT NULL,
  UNIQUE (scope, version, key)
);
CREATE INDEX cache_by_use ON cache_entries(finalized, last_used_ms);
CREATE INDEX cache_by_blob ON cache_entries(blob_digest);
CREATE TABLE artifacts (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  run_id       INTEGER NOT NULL,
  job          TEXT    NOT NULL DEFAULT '',
  name         TEXT    NOT NULL,
  size         INTEGER NOT NULL DEFAULT 0,
  digest       TEXT    NOT NULL DEFAULT '',
  blob_digest  TEXT    NOT NULL DEFAULT '',
  content_type TEXT    NOT NULL DEFAULT '',
  finalized    INTEGER NOT NULL DEFAULT 0,
  created_ms   INTEGER NOT NULL,
  expires_ms   INTEGER NOT NULL,
  UNIQUE (run_id, name)
);
CREATE INDEX artifacts_by_blob ON artifacts(blob_digest);
CREATE INDEX artifacts_by_expiry ON artifacts(expires_ms);
)sql";

const std::vector<Migration>& runtime_migrations() {
  static const std::vector<Migration> kMigrations = {
      {1, "cache entries and artifacts", kRuntimeTables},
  };
  return kMigrations;
}

constexpr const char* kCacheColumns =
    "id, scope, key, version, blob_digest, size, finalized, created_ms, last_used_ms";
constexpr const char* kArtifactColumns =
    "id, run_id, job, name, size, digest, blob_digest, content_type, finalized, created_ms, "
    "expires_ms";

CacheEntry read_cache_entry(const Statement& row) {
  CacheEntry entry;
  entry.id = row.column_int64(0);
  entry.scope = row.column_text(1);
  entry.key = row.column_text(2);
  entry.version = row.column_text(3);
  entry.blob_digest = row.column_text(4);
  entry.size = static_cast<uint64_t>(row.column_int64(5));
  entry.finalized = row.column_int(6) != 0;
  entry.created_ms = row.column_int64(7);
  entry.last_used_ms = row.column_int64(8);
  return entry;
}

Artifact read_artifact(const Statement& row) {
  Artifact artifact;
  artifact.id = row.column_int64(0);
  artifact.run_id = row.column_int64(1);
  artifact.job = row.column_text(2);
  artifact.name = row.column_text(3);
  artifact.size = static_cast<uint64_t>(row.column_int64(4));
  artifact.digest = row.column_text(5);
  artifact.blob_digest = row.column_text(6);
  artifact.content_type = row.column_text(7);
  artifact.finalized = row.column_int(8) != 0;
  artifact.created_ms = row.column_int64(9);
  artifact.expires_ms = row.column_int64(10);
  return artifact;
}

// The rows of a query, read with `read`.
template <typename Row, typename... Args>
Result<std::vector<Row>> rows(Database& db, Row (*read)(const Statement&), const std::string& sql,
                              const Args&... args) {
  std::vector<Row> out;
  Status status = for_each_row(
      db, sql, [&](const Statement& row) { out.push_back(read(row)); }, args...);
  if (!status) return status.error();
  return out;
}

template <typename Row, typename... Args>
Result<std::optional<Row>> first_row(Database& db, Row (*read)(const Statement&),
                                     const std::string& sql, const Args&... args) {
  Result<std::vector<Row>> all = rows(db, read, sql, args...);
  if (!all) return all.error();
  if (all->empty()) return std::optional<Row>();
  return std::optional<Row>(std::move(all->front()));
}

std::string cache_select(const char* rest) {
  return std::string("SELECT ") + kCacheColumns + " FROM cache_entries " + rest;
}

std::string artifact_select(const char* rest) {
  return std::string("SELECT ") + kArtifactColumns + " FROM artifacts " + rest;
}

}  // namespace

Result<std::unique_ptr<Database>> open_runtime_database(const std::string& data_dir,
                                                        bool create_if_missing,
                                                        DatabaseOptions options) {
  std::string path = (std::filesystem::path(data_dir) / kRuntimeDatabaseFile).string();
  if (!create_if_missing && !std::filesystem::exists(path)) return std::unique_ptr<Database>();
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  options.create_if_missing = create_if_missing;
  Result<std::unique_ptr<Database>> db = open_connection(path, options);
  if (!db) return db.error();
  if (Status wal = enable_wal(**db, options.retry_deadline); !wal) return wal.error();
  if (Status migrated = migrate(**db, runtime_migrations()); !migrated) return migrated.error();
  return std::move(*db);
}

Result<bool> blob_referenced(Database& db, const std::string& blob_digest) {
  bool found = false;
  Status status = for_each_row(
      db,
      "SELECT EXISTS (SELECT 1 FROM cache_entries WHERE blob_digest = ?1) OR "
      "EXISTS (SELECT 1 FROM artifacts WHERE blob_digest = ?1)",
      [&](const Statement& row) { found = row.column_int(0) != 0; }, blob_digest);
  if (!status) return status.error();
  return found;
}

Result<std::optional<CacheEntry>> CacheTable::by_id(int64_t id) {
  return first_row(db_, read_cache_entry, cache_select("WHERE id = ?"), id);
}

Result<std::optional<CacheEntry>> CacheTable::exact(const std::string& scope,
                                                    const std::string& key,
                                                    const std::string& version) {
  return first_row(db_, read_cache_entry,
                   cache_select("WHERE scope = ? AND version = ? AND key = ?"), scope, version,
                   key);
}

Result<std::optional<CacheEntry>> CacheTable::newest_with_prefix(const std::string& scope,
                                                                 const std::string& prefix,
                                                                 const std::string& version) {
  // substr() on a BLOB cast compares bytes (LIKE would fold case and treat % and _ as
  // wildcards; GitHub matches keys as given).
  return first_row(db_, read_cache_entry,
                   cache_select("WHERE scope = ?1 AND version = ?2 AND finalized = 1 AND "
                                "key >= ?3 AND substr(CAST(key AS BLOB), 1, length(CAST(?3 AS "
                                "BLOB))) = CAST(?3 AS BLOB) ORDER BY created_ms DESC, id DESC "
                                "LIMIT 1"),
                   scope, version, prefix);
}

Result<int64_t> CacheTable::insert(const std::string& scope, const std::string& key,
                                   const std::string& version, int64_t now_ms) {
  Status status = run_cached(db_,
                             "INSERT INTO cache_entries (scope, key, version, created_ms, "
                             "last_used_ms) VALUES (?, ?, ?, ?, ?)",
                             scope, key, version, now_ms, now_ms);
  if (!status) return status.error();
  return db_.last_insert_rowid();
}

Status CacheTable::finalize(int64_t id, const std::string& blob_digest, uint64_t size,
                            int64_t now_ms) {
  return run_cached(db_,
                    "UPDATE cache_entries SET blob_digest = ?, size = ?, finalized = 1, "
                    "created_ms = ?, last_used_ms = ? WHERE id = ?",
                    blob_digest, static_cast<int64_t>(size), now_ms, now_ms, id);
}

Status CacheTable::touch(int64_t id, int64_t now_ms) {
  return run_cached(db_, "UPDATE cache_entries SET last_used_ms = ? WHERE id = ?", now_ms, id);
}

Status CacheTable::remove(int64_t id) {
  return run_cached(db_, "DELETE FROM cache_entries WHERE id = ?", id);
}

Result<size_t> CacheTable::remove_reservations_before(int64_t cutoff_ms) {
  Status status = run_cached(
      db_, "DELETE FROM cache_entries WHERE finalized = 0 AND created_ms < ?", cutoff_ms);
  if (!status) return status.error();
  return static_cast<size_t>(db_.changes());
}

Result<uint64_t> CacheTable::finalized_size() {
  Result<int64_t> total =
      db_.query_int("SELECT COALESCE(SUM(size), 0) FROM cache_entries WHERE finalized = 1");
  if (!total) return total.error();
  return static_cast<uint64_t>(*total);
}

Result<std::vector<CacheEntry>> CacheTable::by_last_use() {
  return rows(db_, read_cache_entry,
              cache_select("WHERE finalized = 1 ORDER BY last_used_ms ASC, id ASC"));
}

Result<std::vector<CacheEntry>> CacheTable::all() {
  return rows(db_, read_cache_entry, cache_select("ORDER BY last_used_ms DESC, id DESC"));
}

Result<std::optional<Artifact>> ArtifactTable::by_name(int64_t run_id, const std::string& name) {
  return first_row(db_, read_artifact, artifact_select("WHERE run_id = ? AND name = ?"), run_id,
                   name);
}

Result<int64_t> ArtifactTable::insert(const Artifact& a) {
  Status status = run_cached(db_,
                             "INSERT INTO artifacts (run_id, job, name, created_ms, expires_ms) "
                             "VALUES (?, ?, ?, ?, ?)",
                             a.run_id, a.job, a.name, a.created_ms, a.expires_ms);
  if (!status) return status.error();
  return db_.last_insert_rowid();
}

Status ArtifactTable::finalize(int64_t id, const std::string& blob_digest, uint64_t size,
                               const std::string& digest, const std::string& content_type) {
  return run_cached(db_,
                    "UPDATE artifacts SET blob_digest = ?, size = ?, digest = ?, content_type = "
                    "?, finalized = 1 WHERE id = ?",
                    blob_digest, static_cast<int64_t>(size), digest, content_type, id);
}

Status ArtifactTable::remove(int64_t id) {
  return run_cached(db_, "DELETE FROM artifacts WHERE id = ?", id);
}

Result<std::vector<Artifact>> ArtifactTable::visible(int64_t run_id, int64_t now_ms,
                                                     const std::optional<std::string>& name,
                                                     std::optional<int64_t> id) {
  // NULL filters match everything; bound as text/int they must match exactly.
  std::string sql = artifact_select(
      "WHERE run_id = ?1 AND finalized = 1 AND expires_ms > ?2 AND (?3 = 0 OR name = ?4) AND "
      "(?5 = 0 OR id = ?6) ORDER BY id");
  return rows(db_, read_artifact, sql, run_id, now_ms, name ? 1 : 0, name.value_or(""), id ? 1 : 0,
              id.value_or(0));
}

Result<std::vector<Artifact>> ArtifactTable::expired(int64_t now_ms) {
  return rows(db_, read_artifact, artifact_select("WHERE expires_ms <= ? ORDER BY id"), now_ms);
}

}  // namespace sluice::store::sqlite
