// Cache service v2 (Twirp): github.actions.results.api.v1.CacheService, as @actions/cache
// >= 4 calls it (docs/runner-protocol.md). Save: CreateCacheEntry reserves the key and hands
// out a signed upload URL, the client uploads the archive there, FinalizeCacheEntryUpload
// records it with the uploaded blob's digest. Restore: GetCacheEntryDownloadURL finds an
// entry (exact key, then prefixes) and hands out a signed download URL; ok:false is a miss.
#include "runtime/cache_index.h"
#include "runtime/runtime_server.h"
#include "runtime/twirp_json.h"

namespace sluice::runtime {

using json = nlohmann::json;

namespace {

// Download URLs outlive a slow download; the blob stays until evicted anyway.
constexpr int64_t kDownloadUrlLifetimeS = 6 * 3600;

std::string cache_upload(int64_t entry_id) {
  return "cache-" + std::to_string(entry_id);
}

}  // namespace

std::vector<std::string> RuntimeServer::cache_scopes(const RuntimeClaims& caller) const {
  std::vector<std::string> scopes{caller.ref};
  if (!caller.default_ref.empty() && caller.default_ref != caller.ref)
    scopes.push_back(caller.default_ref);
  return scopes;
}

std::string RuntimeServer::cache_download_url(const std::string& digest) const {
  std::string path = "/sluice/blobs/" + digest;
  return origin() + path + "?" + keys_.sign_url(path, "r", now_ms() / 1000 + kDownloadUrlLifetimeS);
}

HttpResponse RuntimeServer::cache_v2(const std::string& method, const RuntimeClaims& caller,
                                     const std::string& body) {
  auto request = parse_twirp_request(body);
  if (!request.ok()) return twirp_error_of(request.error());
  auto key = twirp_string(*request, "key");
  auto version = twirp_string(*request, "version");
  if (!key.ok()) return twirp_error_of(key.error());
  if (!version.ok()) return twirp_error_of(version.error());
  auto index = cache();
  if (!index.ok()) return twirp_error_of(index.error());
  CacheIndex& cache = **index;

  if (method == "CreateCacheEntry") {
    auto entry = cache.reserve(caller.ref, *key, *version);
    if (!entry.ok()) return twirp_error_of(entry.error());
    // A reservation taken over from a dead job may have left blocks behind.
    (void)blobs_.discard(cache_upload(entry->id));
    return twirp_reply({{"ok", true},
                        {"signed_upload_url", upload_url(cache_upload(entry->id))},
                        {"message", ""}});
  }
  if (method == "FinalizeCacheEntryUpload") {
    auto size = twirp_int64(*request, "size_bytes");
    if (!size.ok()) return twirp_error_of(size.error());
    auto reserved = cache.reservation(caller.ref, *key, *version);
    if (!reserved.ok()) return twirp_error_of(reserved.error());
    const std::optional<CacheEntry>& reservation = *reserved;
    if (!reservation)
      return twirp_error("not_found",
                         "no reservation for this key and version (CreateCacheEntry "
                         "first; entries are immutable)");
    std::string upload = cache_upload(reservation->id);
    auto blob = blobs_.uploaded(upload);
    if (!blob.ok())
      return twirp_error("failed_precondition", "nothing was uploaded for this entry");
    if (*size < 0 || blob->size != static_cast<uint64_t>(*size))
      return twirp_error("invalid_argument", "size_bytes " + std::to_string(*size) +
                                                 " differs from the " + std::to_string(blob->size) +
                                                 " bytes uploaded");
    auto entry = cache.finalize(reservation->id, blob->digest, blob->size);
    if (!entry.ok()) return twirp_error_of(entry.error());
    (void)blobs_.discard(upload);
    return twirp_reply({{"ok", true}, {"entry_id", std::to_string(entry->id)}, {"message", ""}});
  }
  if (method == "GetCacheEntryDownloadURL") {
    std::vector<std::string> restore_keys;
    if (const json* keys = twirp_field(*request, "restore_keys")) {
      if (!keys->is_array()) return twirp_error("invalid_argument", "restore_keys must be a list");
      for (const json& k : *keys) {
        if (!k.is_string()) return twirp_error("invalid_argument", "restore_keys must be strings");
        restore_keys.push_back(k.get<std::string>());
      }
    }
    auto found = cache.find(cache_scopes(caller), *key, restore_keys, *version);
    if (!found.ok()) return twirp_error_of(found.error());
    const std::optional<CacheEntry>& entry = *found;
    std::optional<BlobStore::Blob> blob;
    if (entry) blob = blobs_.find(entry->blob_digest);
    if (!blob)
      return twirp_reply({{"ok", false}, {"signed_download_url", ""}, {"matched_key", ""}});
    return twirp_reply({{"ok", true},
                        {"signed_download_url", cache_download_url(blob->digest)},
                        {"matched_key", entry->key}});
  }
  return twirp_error("bad_route", "CacheService has no method '" + method.substr(0, 80) + "'");
}

}  // namespace sluice::runtime
