// What BlobStore, CacheIndex and ArtifactIndex share: refusals that carry a Twirp code,
// the default clock, and releasing blobs that no row refers to any more.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "runtime/blob_store.h"
#include "store/sqlite/database.h"
#include "store/sqlite/runtime_tables.h"

namespace sluice::runtime {

// Removes each blob of `digests` that neither a cache entry nor an artifact refers to.
// Each check-and-unlink runs inside a write transaction of runtime.db, so a concurrent
// finalize (which checks, in its own write transaction, that its blob exists) either comes
// first and keeps the blob, or comes after and sees it gone and refuses. Unlinking an
// unreferenced blob twice (a retried transaction) is harmless.
Status release_blobs(store::sqlite::Database& db, BlobStore& blobs,
                     const std::vector<std::string>& digests);

// Refusals (the client's fault) are Errors whose message starts with a Twirp error code:
// "already_exists: ", "not_found: ", "invalid_argument: " or "failed_precondition: ".
Error refusal(const char* code, const std::string& message);
// The Twirp code at the start of a refusal's message ("" for an internal failure).
std::string_view refusal_code(const Error& error);

// Wall-clock milliseconds since the epoch: the default clock of both indexes.
std::function<int64_t()> wall_clock_ms();

// Opens <data dir>/runtime.db and builds an index over it and <data dir>/blobs. Without
// `create_if_missing`, a data directory without runtime.db gives nullptr.
template <typename Index, typename Options>
Result<std::unique_ptr<Index>> open_index(const std::string& data_dir, bool create_if_missing,
                                          Options options) {
  auto db = store::sqlite::open_runtime_database(data_dir, create_if_missing);
  if (!db) return db.error();
  if (!*db) return std::unique_ptr<Index>();
  if (!options.now_ms) options.now_ms = wall_clock_ms();
  return std::make_unique<Index>(std::move(*db), data_dir + "/blobs", std::move(options));
}

}  // namespace sluice::runtime
