#include "runtime/cache_index.h"

#include <algorithm>
#include <cstdlib>

#include "runtime/index_common.h"
#include "store/sqlite/database.h"

namespace sluice::runtime {

namespace {

using store::sqlite::CacheTable;
using store::sqlite::Database;

constexpr size_t kMaxKey = 512;

Status check_key(const std::string& key) {
  if (key.empty() || key.size() > kMaxKey)
    return refusal("invalid_argument", "a cache key must have 1 to 512 bytes");
  if (key.find(',') != std::string::npos)
    return refusal("invalid_argument", "a cache key cannot contain a comma: '" + key + "'");
  return Status::Ok();
}

}  // namespace

Result<uint64_t> parse_byte_size(std::string_view text) {
  auto bad = [&] {
    return Error{"'" + std::string(text) +
                     "' is not a size; write bytes or a number with K, M, G or T (binary "
                     "units), e.g. 10G",
                 {}};
  };
  size_t digits = 0;
  uint64_t value = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') {
    if (value > (UINT64_MAX - 9) / 10) return bad();
    value = value * 10 + static_cast<uint64_t>(text[digits] - '0');
    ++digits;
  }
  if (digits == 0) return bad();
  std::string suffix(text.substr(digits));
  for (char& c : suffix) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (suffix.size() > 1 && (suffix.ends_with("IB") || suffix.ends_with("B")))
    suffix = suffix.substr(0, suffix.find_first_of("IB"));
  int shift = 0;
  if (suffix == "K")
    shift = 10;
  else if (suffix == "M")
    shift = 20;
  else if (suffix == "G")
    shift = 30;
  else if (suffix == "T")
    shift = 40;
  else if (!suffix.empty() && suffix != "B")
    return bad();
  if (shift > 0 && value > (UINT64_MAX >> shift)) return bad();
  return value << shift;
}

Result<uint64_t> cache_max_bytes_from_env() {
  const char* text = std::getenv("SLUICE_CACHE_MAX_BYTES");
  if (text == nullptr || *text == '\0') return CacheOptions{}.max_bytes;
  Result<uint64_t> bytes = parse_byte_size(text);
  if (!bytes) return Error{"SLUICE_CACHE_MAX_BYTES: " + bytes.error().message, {}};
  return bytes;
}

CacheIndex::CacheIndex(std::unique_ptr<Database> db, std::string blob_dir, CacheOptions options)
    : db_(std::move(db)), blobs_(std::move(blob_dir)), options_(std::move(options)) {}

CacheIndex::~CacheIndex() = default;

Result<std::unique_ptr<CacheIndex>> CacheIndex::open(const std::string& data_dir,
                                                     CacheOptions options) {
  return open_index<CacheIndex>(data_dir, /*create_if_missing=*/true, std::move(options));
}

Result<std::unique_ptr<CacheIndex>> CacheIndex::open(const std::string& data_dir,
                                                     uint64_t max_bytes) {
  CacheOptions options;
  options.max_bytes = max_bytes;
  return open(data_dir, std::move(options));
}

Result<CacheEntry> CacheIndex::reserve(const std::string& scope, const std::string& key,
                                       const std::string& version) {
  if (Status ok = check_key(key); !ok) return ok.error();
  if (version.empty()) return refusal("invalid_argument", "a cache version must not be empty");
  std::lock_guard lock(mutex_);
  CacheTable table(*db_);
  CacheEntry reserved;
  Status status = db_->transaction(Database::Mode::kWrite, [&]() -> Status {
    int64_t now_ms = now();
    auto existing = table.exact(scope, key, version);
    if (!existing) return existing.error();
    if (*existing) {
      const CacheEntry& entry = **existing;
      if (entry.finalized)
        return refusal("already_exists", "cache entry '" + key +
                                             "' already exists for this version; entries are "
                                             "immutable, save under a new key");
      if (now_ms - entry.created_ms < options_.reservation_ttl_ms)
        return refusal("already_exists", "another job is saving cache entry '" + key + "'");
      // A reservation whose job died: take it over.
      if (Status removed = table.remove(entry.id); !removed) return removed;
    }
    Result<int64_t> id = table.insert(scope, key, version, now_ms);
    if (!id) return id.error();
    reserved = CacheEntry{*id, scope, key, version, "", 0, false, now_ms, now_ms};
    return Status::Ok();
  });
  if (!status) return status.error();
  return reserved;
}

Result<std::optional<CacheEntry>> CacheIndex::reservation(const std::string& scope,
                                                          const std::string& key,
                                                          const std::string& version) {
  std::lock_guard lock(mutex_);
  auto entry = CacheTable(*db_).exact(scope, key, version);
  if (!entry) return entry.error();
  if (*entry && (*entry)->finalized) return std::optional<CacheEntry>();
  return *entry;
}

Result<CacheEntry> CacheIndex::finalize(int64_t id, const std::string& blob_digest, uint64_t size) {
  if (size > options_.max_bytes)
    return refusal("failed_precondition", "a cache entry of " + std::to_string(size) +
                                              " bytes exceeds the cache limit of " +
                                              std::to_string(options_.max_bytes) +
                                              " bytes (raise SLUICE_CACHE_MAX_BYTES)");
  std::lock_guard lock(mutex_);
  CacheTable table(*db_);
  CacheEntry finalized;
  Status status = db_->transaction(Database::Mode::kWrite, [&]() -> Status {
    auto entry = table.by_id(id);
    if (!entry) return entry.error();
    if (!*entry) return refusal("not_found", "no cache reservation " + std::to_string(id));
    if ((*entry)->finalized)
      return refusal("already_exists", "cache entry '" + (*entry)->key + "' is already saved");
    // Checked inside the write transaction: eviction unlinks blobs inside one too.
    std::optional<BlobStore::Blob> blob = blobs_.find(blob_digest);
    if (!blob)
      return refusal("failed_precondition", "the uploaded content is missing; upload again");
    if (blob->size != size)
      return refusal("invalid_argument", "the uploaded content has " + std::to_string(blob->size) +
                                             " bytes, not " + std::to_string(size));
    int64_t now_ms = now();
    if (Status done = table.finalize(id, blob_digest, size, now_ms); !done) return done;
    finalized = **entry;
    finalized.blob_digest = blob_digest;
    finalized.size = size;
    finalized.finalized = true;
    finalized.created_ms = finalized.last_used_ms = now_ms;
    return Status::Ok();
  });
  if (!status) return status.error();
  if (Status evicted = evict(now(), id); !evicted) return evicted.error();
  return finalized;
}

// Removes entries unused for max_idle_ms, then least recently used ones until the total
// fits max_bytes; `keep_id` (the entry just saved) stays. Caller holds mutex_.
Status CacheIndex::evict(int64_t now_ms, int64_t keep_id) {
  CacheTable table(*db_);
  std::vector<std::string> released;
  Status status = db_->transaction(Database::Mode::kWrite, [&]() -> Status {
    released.clear();
    auto total = table.finalized_size();
    if (!total) return total.error();
    auto entries = table.by_last_use();
    if (!entries) return entries.error();
    uint64_t size = *total;
    for (const CacheEntry& entry : *entries) {
      bool idle = now_ms - entry.last_used_ms > options_.max_idle_ms;
      if (entry.id == keep_id || (!idle && size <= options_.max_bytes)) continue;
      if (Status removed = table.remove(entry.id); !removed) return removed;
      size -= entry.size;
      released.push_back(entry.blob_digest);
    }
    return Status::Ok();
  });
  if (!status) return status;
  return release_blobs(*db_, blobs_, released);
}

Result<std::optional<CacheEntry>> CacheIndex::find(const std::vector<std::string>& scopes,
                                                   const std::string& key,
                                                   const std::vector<std::string>& restore_keys,
                                                   const std::string& version) {
  std::lock_guard lock(mutex_);
  CacheTable table(*db_);
  std::optional<CacheEntry> hit;
  Status status = db_->transaction(Database::Mode::kWrite, [&]() -> Status {
    hit.reset();
    std::vector<std::string> seen;
    for (const std::string& scope : scopes) {
      if (std::find(seen.begin(), seen.end(), scope) != seen.end()) continue;
      seen.push_back(scope);
      auto exact = table.exact(scope, key, version);
      if (!exact) return exact.error();
      if (*exact && (*exact)->finalized) hit = **exact;
      // The key itself as a prefix, then each restore key in order: the newest match wins.
      for (size_t i = 0; !hit && i <= restore_keys.size(); ++i) {
        const std::string& prefix = i == 0 ? key : restore_keys[i - 1];
        if (prefix.empty()) continue;
        auto match = table.newest_with_prefix(scope, prefix, version);
        if (!match) return match.error();
        hit = *match;
      }
      if (hit) break;
    }
    if (!hit) return Status::Ok();
    hit->last_used_ms = now();
    return table.touch(hit->id, hit->last_used_ms);
  });
  if (!status) return status.error();
  return hit;
}

Result<std::vector<CacheEntry>> CacheIndex::list() {
  std::lock_guard lock(mutex_);
  return CacheTable(*db_).all();
}

Result<size_t> CacheIndex::collect_garbage(int64_t max_age_ms) {
  std::lock_guard lock(mutex_);
  const int64_t now_ms = now();
  size_t removed = 0;
  Status status = db_->transaction(Database::Mode::kWrite, [&]() -> Status {
    auto stale = CacheTable(*db_).remove_reservations_before(now_ms - options_.reservation_ttl_ms);
    if (!stale) return stale.error();
    removed = *stale;
    return Status::Ok();
  });
  if (!status) return status.error();
  removed += blobs_.remove_stale(max_age_ms);
  // File times are wall-clock times, whatever clock the index was given.
  const int64_t cutoff = wall_clock_ms()() - max_age_ms;
  std::vector<std::string> old_blobs;
  for (const std::string& digest : blobs_.list()) {
    std::optional<BlobStore::Blob> blob = blobs_.find(digest);
    if (blob && blob->modified_ms < cutoff) old_blobs.push_back(digest);
  }
  size_t before = blobs_.list().size();
  if (Status released = release_blobs(*db_, blobs_, old_blobs); !released) return released.error();
  return removed + before - blobs_.list().size();
}

Result<uint64_t> CacheIndex::total_size() {
  std::lock_guard lock(mutex_);
  return CacheTable(*db_).finalized_size();
}

}  // namespace sluice::runtime
