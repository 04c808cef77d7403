// Cache service v1 (REST, `_apis/artifactcache/`): what @actions/cache < 4 speaks, and what
// newer versions fall back to when ACTIONS_CACHE_SERVICE_V2 is unset or the server looks
// like GHES (docs/runner-protocol.md). Same index and blobs as v2; the archive arrives as
// PATCH chunks with Content-Range (any order, in parallel), staged as blocks named by their
// offset and concatenated in offset order on commit.
#include <cinttypes>
#include <cstdio>

#include "runtime/cache_index.h"
#include "runtime/runtime_server.h"
#include "runtime/twirp_json.h"

namespace sluice::runtime {

using json = nlohmann::json;

namespace {

constexpr const char* kPrefix = "/_apis/artifactcache/";

HttpResponse v1_error(int status, const std::string& message) {
  return HttpResponse::json(status,
                            json{{"message", message}, {"typeKey", "CacheServiceError"}}.dump());
}

HttpResponse v1_error_of(const Error& error) {
  HttpResponse twirp = twirp_error_of(error);
  return v1_error(twirp.status, error.message);
}

std::string chunk_id(uint64_t start) {
  char id[32];
  std::snprintf(id, sizeof id, "v1-%020" PRIu64, start);
  return id;
}

std::vector<std::string> split_keys(const std::string& keys) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= keys.size()) {
    size_t end = keys.find(',', start);
    std::string k = keys.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (!k.empty()) out.push_back(k);
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

// "bytes <start>-<end>/*" (end inclusive).
bool parse_content_range(const std::string& text, uint64_t& start, uint64_t& end) {
  unsigned long long s = 0, e = 0;
  int consumed = 0;
  if (std::sscanf(text.c_str(), "bytes %llu-%llu/%n", &s, &e, &consumed) != 2 || consumed == 0 ||
      e < s)
    return false;
  start = s;
  end = e;
  return true;
}

}  // namespace

HttpResponse RuntimeServer::cache_v1(HttpRequest& request, const RuntimeClaims& caller) {
  std::string rest = request.path.substr(std::char_traits<char>::length(kPrefix));
  auto index = cache();
  if (!index.ok()) return v1_error_of(index.error());
  CacheIndex& cache = **index;

  if (request.method == "GET" && rest == "cache") {
    std::vector<std::string> keys = split_keys(request.query["keys"]);
    if (keys.empty()) return v1_error(400, "keys is missing");
    std::vector<std::string> restore(keys.begin() + 1, keys.end());
    auto found = cache.find(cache_scopes(caller), keys[0], restore, request.query["version"]);
    if (!found.ok()) return v1_error_of(found.error());
    const std::optional<CacheEntry>& entry = *found;
    std::optional<BlobStore::Blob> blob;
    if (entry) blob = blobs_.find(entry->blob_digest);
    if (!blob) return HttpResponse::empty(204);
    return HttpResponse::json(200, json{{"cacheKey", entry->key},
                                        {"scope", entry->scope},
                                        {"creationTime", twirp_timestamp(entry->created_ms)},
                                        {"archiveLocation", cache_download_url(blob->digest)}}
                                       .dump());
  }
  if (request.method == "POST" && rest == "caches") {
    json body = json::parse(request.body, nullptr, false);
    if (!body.is_object()) return v1_error(400, "the body is not a JSON object");
    auto key = twirp_string(body, "key");
    auto version = twirp_string(body, "version");
    if (!key.ok() || !version.ok()) return v1_error(400, "key and version must be strings");
    auto entry = cache.reserve(caller.ref, *key, *version);
    if (!entry.ok()) return v1_error_of(entry.error());
    (void)blobs_.discard("cache-" + std::to_string(entry->id));
    v1_uploads_[entry->id] = V1Upload{caller.ref, {}};
    return HttpResponse::json(200, json{{"cacheId", entry->id}}.dump());
  }
  if (rest.rfind("caches/", 0) == 0) {
    std::string digits = rest.substr(7);
    if (digits.empty() || digits.size() > 15 ||
        digits.find_first_not_of("0123456789") != std::string::npos)
      return v1_error(404, "no such cache");
    int64_t id = std::stoll(digits);
    auto upload = v1_uploads_.find(id);
    if (upload == v1_uploads_.end() || upload->second.scope != caller.ref)
      return v1_error(404, "no reservation " + digits + " of this run");
    std::string name = "cache-" + digits;
    if (request.method == "PATCH") {
      uint64_t start = 0, end = 0;
      if (!parse_content_range(request.header("content-range"), start, end) ||
          end - start + 1 != request.body_size)
        return v1_error(400, "Content-Range must be 'bytes <start>-<end>/*' matching the body");
      Status s = blobs_.stage_block(name, chunk_id(start), request.body_file, request.body_sha256);
      if (!s.ok()) return v1_error_of(s.error());
      upload->second.chunks[start] = end + 1;
      return HttpResponse::empty(204);
    }
    if (request.method == "POST") {
      json body = json::parse(request.body, nullptr, false);
      auto size = body.is_object() ? twirp_int64(body, "size") : Result<int64_t>(int64_t{-1});
      if (!size.ok() || *size < 0) return v1_error(400, "size must be a number");
      std::vector<std::string> ids;
      uint64_t next = 0;
      for (const auto& [start, end] : upload->second.chunks) {
        if (start != next) return v1_error(400, "the uploaded chunks leave a gap");
        ids.push_back(chunk_id(start));
        next = end;
      }
      if (next != static_cast<uint64_t>(*size))
        return v1_error(400, "size " + std::to_string(*size) + " differs from the " +
                                 std::to_string(next) + " bytes uploaded");
      if (Status s = blobs_.commit_blocks(name, ids, ""); !s.ok()) return v1_error_of(s.error());
      auto blob = blobs_.uploaded(name);
      if (!blob.ok()) return v1_error_of(blob.error());
      auto entry = cache.finalize(id, blob->digest, blob->size);
      if (!entry.ok()) return v1_error_of(entry.error());
      (void)blobs_.discard(name);
      v1_uploads_.erase(upload);
      return HttpResponse::empty(204);
    }
  }
  return v1_error(404, "no such cache API: " + request.method + " " + rest.substr(0, 80));
}

}  // namespace sluice::runtime
