// runtime.db: the rows behind the Actions runtime services — cache entries and artifacts —
// in their own SQLite file of the data directory (<data dir>/runtime.db).
//
// Why a file of its own rather than tables in sluice.db: the cache is shared by every run
// of the data directory and written by the runtime server's threads while the run's own
// store commits its history in groups; separate files keep those writers off each other's
// lock, and a `sluice show` that lists artifacts opens runtime.db only when it exists.
// Both indexes share the file so that "is this blob still referenced?" is one query, in
// the same transaction that removes a reference.
//
// These classes only speak SQL; callers (runtime/cache_index, runtime/artifact_index)
// decide what the rows mean and wrap each change in Database::transaction, which retries
// on SQLITE_BUSY, so concurrent `sluice run`s can share the cache.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "store/sqlite/database.h"

namespace sluice::store {

struct CacheEntry {
  int64_t id = 0;
  std::string scope, key, version, blob_digest;
  uint64_t size = 0;
  bool finalized = false;
  int64_t created_ms = 0;    // reservation, then finalization time
  int64_t last_used_ms = 0;  // finalization or the last lookup that returned it
};

struct Artifact {
  int64_t id = 0;
  int64_t run_id = 0;
  std::string job;  // the job key that created it
  std::string name;
  uint64_t size = 0;
  std::string digest;        // "sha256:<hex>" once finalized
  std::string blob_digest;   // <hex>: the BlobStore key
  std::string content_type;  // "application/zip" for zipped uploads
  bool finalized = false;
  int64_t created_ms = 0;
  int64_t expires_ms = 0;
};

namespace sqlite {

inline constexpr const char* kRuntimeDatabaseFile = "runtime.db";

// Opens <data_dir>/runtime.db in WAL mode and brings its schema up to date. Without
// `create_if_missing` a missing file gives nullptr (not an error).
Result<std::unique_ptr<Database>> open_runtime_database(const std::string& data_dir,
                                                        bool create_if_missing,
                                                        DatabaseOptions options = {});

// True when a cache entry or an artifact refers to the blob.
Result<bool> blob_referenced(Database& db, const std::string& blob_digest);

class CacheTable {
 public:
  explicit CacheTable(Database& db) : db_(db) {}

  Result<std::optional<CacheEntry>> by_id(int64_t id);
  // The entry (finalized or not) with exactly this scope, key and version.
  Result<std::optional<CacheEntry>> exact(const std::string& scope, const std::string& key,
                                          const std::string& version);
  // The newest finalized entry of the scope and version whose key starts with `prefix`.
  Result<std::optional<CacheEntry>> newest_with_prefix(const std::string& scope,
                                                       const std::string& prefix,
                                                       const std::string& version);
  Result<int64_t> insert(const std::string& scope, const std::string& key,
                         const std::string& version, int64_t now_ms);
  Status finalize(int64_t id, const std::string& blob_digest, uint64_t size, int64_t now_ms);
  Status touch(int64_t id, int64_t now_ms);
  Status remove(int64_t id);
  // Deletes reservations (unfinalized entries) made before `cutoff_ms`; returns how many.
  Result<size_t> remove_reservations_before(int64_t cutoff_ms);
  Result<uint64_t> finalized_size();
  // Finalized entries, least recently used first.
  Result<std::vector<CacheEntry>> by_last_use();
  // Every entry, most recently used first.
  Result<std::vector<CacheEntry>> all();

 private:
  Database& db_;
};

class ArtifactTable {
 public:
  explicit ArtifactTable(Database& db) : db_(db) {}

  // The artifact of the run with this name, finalized or not, expired or not.
  Result<std::optional<Artifact>> by_name(int64_t run_id, const std::string& name);
  Result<int64_t> insert(const Artifact& artifact);
  Status finalize(int64_t id, const std::string& blob_digest, uint64_t size,
                  const std::string& digest, const std::string& content_type);
  Status remove(int64_t id);
  // Finalized artifacts of the run not expired at `now_ms`, by id, optionally filtered.
  Result<std::vector<Artifact>> visible(int64_t run_id, int64_t now_ms,
                                        const std::optional<std::string>& name,
                                        std::optional<int64_t> id);
  // Every artifact (any run, finalized or not) that expired before `now_ms`.
  Result<std::vector<Artifact>> expired(int64_t now_ms);

 private:
  Database& db_;
};

}  // namespace sqlite
}  // namespace sluice::store
