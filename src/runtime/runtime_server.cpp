#include "runtime/runtime_server.h"

#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "runtime/artifact_index.h"
#include "runtime/cache_index.h"
#include "runtime/netns_listener.h"
#include "runtime/twirp_json.h"

namespace sluice::runtime {

namespace {

constexpr const char* kCacheService = "/twirp/github.actions.results.api.v1.CacheService/";
constexpr const char* kArtifactService = "/twirp/github.actions.results.api.v1.ArtifactService/";
constexpr const char* kCacheV1 = "/_apis/artifactcache/";
// Tokens outlive any job (GitHub's last 6 hours plus the queue; a job's timeout is at most
// 6 hours here too); they die with the process anyway.
constexpr int64_t kTokenLifetimeS = 24 * 3600;
// Temp files and uploads untouched this long belong to dead processes (a live upload writes
// at least every 5 minutes, or its client gives up).
constexpr int64_t kStaleUploadMs = 24ll * 3600 * 1000;
// Garbage collection walks every blob; once an hour per data directory is plenty (the
// stamp file's mtime says when it last ran, for every process sharing the directory).
constexpr int64_t kGarbageCollectionIntervalMs = 3600ll * 1000;

bool starts_with(const std::string& s, const char* prefix) {
  return s.rfind(prefix, 0) == 0;
}

// NO_PROXY with the loopback names added once (the Azure SDK does not bypass proxies for
// loopback by itself).
std::string with_loopback(const std::string& no_proxy) {
  std::string out = no_proxy;
  for (const char* host : {"127.0.0.1", "localhost"}) {
    bool present = false;
    size_t start = 0;
    while (start <= out.size()) {
      size_t end = out.find(',', start);
      std::string part =
          out.substr(start, end == std::string::npos ? std::string::npos : end - start);
      if (part == host) present = true;
      if (end == std::string::npos) break;
      start = end + 1;
    }
    if (!present) out += (out.empty() ? "" : ",") + std::string(host);
  }
  return out;
}

}  // namespace

RuntimeServer::RuntimeServer(std::string data_dir, RuntimeKeys keys,
                             std::function<int64_t()> now_ms)
    : data_dir_(std::move(data_dir)),
      keys_(std::move(keys)),
      now_ms_(std::move(now_ms)),
      blobs_(data_dir_ + "/blobs"),
      oidc_(
          data_dir_, [this](const std::string& token) { return verify_token(token); }, now_ms_) {
  oidc_.set_issuer(origin());
}

RuntimeServer::~RuntimeServer() {
  stop();
}

Status RuntimeServer::listen() {
  // handle() on a thread of its own, still one call at a time: the commit's fsyncs and the
  // index's transactions then never hold the uploads still arriving on other connections.
  ListenOptions options;
  options.handler_threads = 1;
  auto server = HttpServer::start(*this, options);
  if (!server.ok()) return server.error();
  server_ = std::move(*server);
  port_ = server_->port();
  oidc_.set_issuer(origin());
  oidc_.set_token_endpoint(origin());
  return Status::Ok();
}

Status RuntimeServer::serve_in_network_namespace(const std::string& key,
                                                 const std::string& netns_path) {
  if (!server_) return Error{"the runtime services are not listening", {}};
  auto fd = listen_in_network_namespace(netns_path, port_);
  if (!fd.ok()) return fd.error();
  server_->add_listener(key, *fd);
  return Status::Ok();
}

void RuntimeServer::stop_serving_in(const std::string& key) {
  if (server_) server_->remove_listener(key);
}

void RuntimeServer::stop() {
  if (server_) server_->stop();
}

std::string RuntimeServer::origin() const {
  return port_ ? "http://127.0.0.1:" + std::to_string(port_) : "http://127.0.0.1";
}

int64_t RuntimeServer::now_ms() const {
  if (now_ms_) return now_ms_();
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string RuntimeServer::token_for(int64_t run_id, const std::string& job_key,
                                     const std::string& ref, const std::string& default_ref) const {
  RuntimeClaims claims;
  claims.run_id = std::to_string(run_id);
  claims.job_key = job_key;
  claims.job_id = job_backend_id(claims.run_id, job_key);
  claims.ref = ref;
  claims.default_ref = default_ref;
  int64_t now_s = now_ms() / 1000;
  claims.expires_s = now_s + kTokenLifetimeS;
  return keys_.issue_token(claims, now_s);
}

std::map<std::string, std::string> RuntimeServer::job_env(const std::string& token,
                                                          const std::string& no_proxy) const {
  std::string base = origin() + "/";
  std::string loopback = with_loopback(no_proxy);
  return {{"ACTIONS_RUNTIME_TOKEN", token},
          {"ACTIONS_RESULTS_URL", base},
          {"ACTIONS_CACHE_URL", base},
          {"ACTIONS_RUNTIME_URL", base},
          {"ACTIONS_CACHE_SERVICE_V2", "true"},
          {"NO_PROXY", loopback},
          {"no_proxy", loopback}};
}

Result<RuntimeClaims> RuntimeServer::authenticate(const HttpRequest& request) const {
  std::string token = bearer_token(request.header("authorization"));
  if (token.empty()) return Error{"unauthenticated: no runtime token (Authorization: Bearer)", {}};
  auto claims = verify_token(token);
  if (!claims.ok()) return Error{"unauthenticated: " + claims.error().message, {}};
  return claims;
}

Result<RuntimeClaims> RuntimeServer::verify_token(const std::string& token) const {
  return keys_.verify_token(token, now_ms() / 1000);
}

Result<CacheIndex*> RuntimeServer::cache() {
  if (!cache_) {
    auto max_bytes = cache_max_bytes_from_env();
    if (!max_bytes.ok()) return max_bytes.error();
    CacheOptions options;
    options.max_bytes = *max_bytes;
    options.now_ms = [this] { return now_ms(); };
    auto opened = CacheIndex::open(data_dir_, options);
    if (!opened.ok()) return opened.error();
    cache_ = std::move(*opened);
    collect_garbage();
  }
  return cache_.get();
}

void RuntimeServer::collect_garbage() {
  namespace fs = std::filesystem;
  std::string stamp = blobs_.dir() + "/gc.stamp";
  struct stat st {};
  int64_t wall_now = wall_clock_ms()();
  if (::stat(stamp.c_str(), &st) == 0) {
    int64_t last = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1000000;
    if (wall_now - last < kGarbageCollectionIntervalMs && last <= wall_now) return;
  }
  std::error_code ec;
  fs::create_directories(blobs_.dir(), ec);
  std::ofstream(stamp, std::ios::trunc).flush();  // rewriting the file sets its mtime
  // A failure only delays the clean-up to the next run.
  (void)cache_->collect_garbage(kStaleUploadMs);
}

Result<ArtifactIndex*> RuntimeServer::artifacts() {
  if (!artifacts_) {
    ArtifactOptions options;
    options.now_ms = [this] { return now_ms(); };
    auto opened = ArtifactIndex::open(data_dir_, options);
    if (!opened.ok()) return opened.error();
    artifacts_ = std::move(*opened);
    (void)artifacts_->remove_expired();  // a failure here only delays the clean-up
    (void)cache();                       // opening it collects garbage
  }
  return artifacts_.get();
}

BodyPlan RuntimeServer::plan_body(const HttpRequest& head) {
  if (starts_with(head.path, "/sluice/")) return plan_blob_body(head);
  if (starts_with(head.path, kCacheV1) && head.method == "PATCH") {
    // A cache v1 chunk (32 MiB from the clients): streamed like a block.
    auto temp = blobs_.temp_path();
    if (!temp.ok()) return BodyPlan::reject(twirp_error("internal", temp.error().message));
    return BodyPlan::to_file(*temp, uint64_t{1} << 32);
  }
  return BodyPlan::memory(kMaxJsonBody);
}

HttpResponse RuntimeServer::handle(HttpRequest& request) {
  if (starts_with(request.path, "/sluice/"))
    return request.method == "GET" ? get_blob(request) : put_blob(request);
  if (OidcIssuer::serves(request.path)) return oidc_.handle(request);
  bool cache_v2_call = starts_with(request.path, kCacheService);
  bool artifact_call = starts_with(request.path, kArtifactService);
  bool cache_v1_call = starts_with(request.path, kCacheV1);
  if (!cache_v2_call && !artifact_call && !cache_v1_call)
    return twirp_error("bad_route", "no such service: " + request.path.substr(0, 200));
  auto caller = authenticate(request);
  if (!caller.ok()) return twirp_error_of(caller.error());
  if (cache_v1_call) return cache_v1(request, *caller);
  if (request.method != "POST")
    return twirp_error("bad_route", "Twirp methods are called with POST");
  std::string method =
      request.path.substr(std::string(cache_v2_call ? kCacheService : kArtifactService).size());
  return cache_v2_call ? cache_v2(method, *caller, request.body)
                       : artifacts_v4(method, *caller, request.body);
}

}  // namespace sluice::runtime
