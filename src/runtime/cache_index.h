// CacheIndex: which cache entries exist, for the Actions cache service (actions/cache and
// every action built on @actions/cache).
//
// Semantics follow GitHub's cache service (docs/cache-and-artifacts.md):
// - An entry is (scope, key, version) → a blob. `scope` is the git ref of the run that saved
//   it (refs/heads/main); `version` is the client's hash of paths and compression. Entries
//   are immutable: a second reserve() of the same triple is refused with already_exists,
//   except that a reservation never finalized within `reservation_ttl_ms` (its job died) may
//   be taken over.
// - find() looks through `scopes` in order (the run's own ref first, then the default
//   branch); in each scope, within the same version: the exact key, then the newest entry
//   whose key starts with `key`, then for each restore key in order the newest entry whose
//   key starts with it. Only finalized entries are found. A hit counts as a use (LRU).
// - finalize() keeps the total size of finalized entries under `max_bytes` by removing the
//   least recently used entries (and entries unused for `max_idle_ms`), then the blobs no
//   entry or artifact refers to any more.
//
// Persistence: rows live in <data dir>/runtime.db (SQLite, WAL; see
// store/sqlite/runtime_tables.h), blobs in <data dir>/blobs (BlobStore). Every change is one
// write transaction, so concurrent `sluice run`s sharing the data directory see each other's
// entries and never a half-made one.
//
// Errors: refusals are Errors whose message starts with a Twirp code, "already_exists: ",
// "not_found: ", "invalid_argument: " or "failed_precondition: " (see refusal_code());
// anything else is an internal failure (disk, database).
//
// Threading: a CacheIndex is safe to use from several threads (it serialises its own
// connection); several processes may open the same data directory.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "runtime/blob_store.h"
#include "runtime/index_common.h"
#include "store/sqlite/runtime_tables.h"

namespace sluice::runtime {

using store::CacheEntry;  // id, scope, key, version, blob_digest, size, finalized, times

struct CacheOptions {
  // Total size of finalized entries kept (SLUICE_CACHE_MAX_BYTES; GitHub: 10 GB per repo).
  uint64_t max_bytes = 10ull << 30;
  // Entries not used for this long are removed (GitHub: 7 days).
  int64_t max_idle_ms = 7ll * 24 * 3600 * 1000;
  // A reservation not finalized within this time may be reserved again.
  int64_t reservation_ttl_ms = 30ll * 60 * 1000;
  // Wall clock in ms since the epoch; tests pass a manual one.
  std::function<int64_t()> now_ms;
};

// SLUICE_CACHE_MAX_BYTES parsed: a byte count with an optional K/M/G/T suffix (binary
// units, "10G" = 10 GiB). Unset or empty gives the default; a malformed value is an error.
Result<uint64_t> cache_max_bytes_from_env();
Result<uint64_t> parse_byte_size(std::string_view text);

class CacheIndex {
 public:
  static Result<std::unique_ptr<CacheIndex>> open(const std::string& data_dir,
                                                  CacheOptions options = {});
  static Result<std::unique_ptr<CacheIndex>> open(const std::string& data_dir, uint64_t max_bytes);
  // Use open(): it opens runtime.db and fills in the default clock.
  CacheIndex(std::unique_ptr<store::sqlite::Database> db, std::string blob_dir,
             CacheOptions options);
  ~CacheIndex();

  // Creates an unfinalized entry (CreateCacheEntry / POST caches). Keys: 1 to 512 bytes,
  // no comma; version: non-empty.
  Result<CacheEntry> reserve(const std::string& scope, const std::string& key,
                             const std::string& version);
  // The unfinalized reservation of (scope, key, version), for FinalizeCacheEntryUpload,
  // which names the entry by key and version only.
  Result<std::optional<CacheEntry>> reservation(const std::string& scope, const std::string& key,
                                                const std::string& version);
  // Marks entry `id` finished with the content `blob_digest` (which must be in the blob
  // store) of `size` bytes, then evicts. Refused: unknown id (not_found), already finalized
  // (already_exists), blob missing or larger than max_bytes (failed_precondition).
  Result<CacheEntry> finalize(int64_t id, const std::string& blob_digest, uint64_t size);
  // GitHub's matching order (see above); marks the entry used.
  // A miss is an empty optional; an Error means the index could not be read.
  Result<std::optional<CacheEntry>> find(const std::vector<std::string>& scopes,
                                         const std::string& key,
                                         const std::vector<std::string>& restore_keys,
                                         const std::string& version);
  // Every entry (finalized or not), most recently used first: for `sluice` commands and tests.
  Result<std::vector<CacheEntry>> list();
  // Total size of finalized entries.
  Result<uint64_t> total_size();

  // What the runtime services clean when they start: reservations never finalized within
  // reservation_ttl_ms, leftovers of dead uploads (BlobStore::remove_stale) and blobs that
  // no cache entry or artifact refers to, both older than `max_age_ms` (an upload in
  // progress is younger). Returns how many things were removed.
  Result<size_t> collect_garbage(int64_t max_age_ms);

  BlobStore& blobs() { return blobs_; }
  const CacheOptions& options() const { return options_; }

 private:
  Status evict(int64_t now, int64_t keep_id);
  int64_t now() const { return options_.now_ms(); }

  std::mutex mutex_;  // guards db_ (one SQLite connection, one thread at a time)
  std::unique_ptr<store::sqlite::Database> db_;
  BlobStore blobs_;
  CacheOptions options_;
};

}  // namespace sluice::runtime
