// RuntimeServer: the Actions runtime services that a job's steps reach over loopback
// during `sluice run` / `sluice rerun` (the cache, artifacts and blob storage the official
// @actions/cache and @actions/artifact clients talk to; protocol in
// docs/runner-protocol.md, semantics in docs/cache-and-artifacts.md).
//
// Routes (one origin, http://127.0.0.1:<port>):
//   POST /twirp/github.actions.results.api.v1.CacheService/<method>     cache v2 (twirp_cache.cpp)
//   /_apis/artifactcache/...                                            cache v1 REST
//   (cache_v1.cpp) POST /twirp/github.actions.results.api.v1.ArtifactService/<method>  artifacts v4
//   (twirp_artifacts.cpp) PUT
//   /sluice/uploads/<upload>?<signature>[&comp=block&blockid=..|&comp=blocklist] GET
//   /sluice/blobs/<sha256>[.zip]?<signature>                        (blob_endpoints.cpp)
//   GET /.well-known/openid-configuration, /.well-known/jwks,
//       /_services/token/idtoken                                    OIDC (oidc_issuer.h)
// Service calls carry the job's runtime token (Authorization: Bearer); blob URLs carry an
// HMAC signature instead (the Azure SDK sends no token to them). A token names one run and
// one job: artifact calls for another run are refused, and the cache scope (the run's ref,
// falling back to the default branch) comes from the token, never from the request.
//
// Storage is opened on the first request that needs it, so a run whose steps never call the
// services pays only for the listening socket, the thread and its tokens (BENCHMARKS.md,
// "Trigger cost"). Opening it also cleans up, at most once an hour per data directory:
// expired artifacts, reservations and uploads that dead jobs left, and blobs nothing refers
// to (CacheIndex::collect_garbage, ArtifactIndex::remove_expired).
//
// Threading: handle() runs on one handler thread of the HTTP server, one request at a time
// (no locks needed among requests); plan_body() runs on the server's I/O thread, possibly
// while handle() runs, and touches only what is safe to share (the keys, BlobStore::temp_path).
// job_env() may be called from any thread (it reads only immutable state).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "runtime/blob_store.h"
#include "runtime/http_server.h"
#include "runtime/oidc_issuer.h"
#include "runtime/runtime_token.h"

namespace sluice::runtime {

class ArtifactIndex;
class CacheIndex;

class RuntimeServer final : public HttpHandler {
 public:
  // `data_dir`: where the indexes and blobs live (opened lazily). `now_ms`: the wall clock
  // (tests pass their own).
  RuntimeServer(std::string data_dir, RuntimeKeys keys, std::function<int64_t()> now_ms = {});
  ~RuntimeServer() override;

  // Starts listening on 127.0.0.1 (ephemeral port) on the server thread.
  Status listen();
  // Stops the server thread; idempotent (the destructor calls it).
  void stop();
  // Also answers on 127.0.0.1:<the same port> inside the network namespace at
  // `netns_path` (a job container's, /proc/<pid>/ns/net), under `key` (the job), so that the
  // job_env() URLs work unchanged in that container (netns_listener.h: root, or the
  // user owning a rootless engine's namespace).
  Status serve_in_network_namespace(const std::string& key, const std::string& netns_path);
  // Stops answering in the namespace added under `key`; no-op when there is none.
  void stop_serving_in(const std::string& key);
  // "http://127.0.0.1:<port>" once listening ("http://127.0.0.1" before: unit tests call
  // handle() directly).
  std::string origin() const;

  // What one job's steps get with `token` (token_for() that job): ACTIONS_RUNTIME_TOKEN, the
  // service URLs, ACTIONS_CACHE_SERVICE_V2, and NO_PROXY / no_proxy extended with the
  // loopback names (from `no_proxy`, the value the job would otherwise have).
  std::map<std::string, std::string> job_env(const std::string& token,
                                             const std::string& no_proxy) const;
  // A token for one job of a run; `ref` / `default_ref`: its cache scopes (RuntimeClaims).
  std::string token_for(int64_t run_id, const std::string& job_key, const std::string& ref,
                        const std::string& default_ref) const;

  // The OIDC issuer on this origin (its issuer URL is origin() once listening). Jobs get
  // ID tokens once allowed there (OidcIssuer::allow, OidcIssuer::job_env).
  OidcIssuer& oidc() { return oidc_; }
  // The job a runtime token belongs to, when it is one of ours and valid now.
  Result<RuntimeClaims> verify_token(const std::string& token) const;

  BodyPlan plan_body(const HttpRequest& head) override;
  HttpResponse handle(HttpRequest& request) override;

 private:
  int64_t now_ms() const;
  Result<RuntimeClaims> authenticate(const HttpRequest& request) const;
  Result<CacheIndex*> cache();
  Result<ArtifactIndex*> artifacts();
  // Called once, when the cache index is opened (cache_ is set).
  void collect_garbage();

  // twirp_cache.cpp
  HttpResponse cache_v2(const std::string& method, const RuntimeClaims& caller,
                        const std::string& body);
  std::vector<std::string> cache_scopes(const RuntimeClaims& caller) const;
  std::string cache_download_url(const std::string& digest) const;
  // cache_v1.cpp
  HttpResponse cache_v1(HttpRequest& request, const RuntimeClaims& caller);
  // twirp_artifacts.cpp
  HttpResponse artifacts_v4(const std::string& method, const RuntimeClaims& caller,
                            const std::string& body);
  // blob_endpoints.cpp
  std::string upload_url(const std::string& upload) const;
  bool blob_request_signed(const HttpRequest& request) const;
  BodyPlan plan_blob_body(const HttpRequest& head);
  HttpResponse put_blob(HttpRequest& request);
  HttpResponse get_blob(const HttpRequest& request);

  std::string data_dir_;
  RuntimeKeys keys_;
  std::function<int64_t()> now_ms_;
  BlobStore blobs_;
  std::unique_ptr<CacheIndex> cache_;
  std::unique_ptr<ArtifactIndex> artifacts_;
  OidcIssuer oidc_;
  std::unique_ptr<HttpServer> server_;
  uint16_t port_ = 0;
  // Cache v1 reservations of this process: who made them and the PATCH ranges received
  // (start offset -> end offset); the commit concatenates them in offset order. In memory:
  // a reservation is made and committed by one job of this run.
  struct V1Upload {
    std::string scope;
    std::map<uint64_t, uint64_t> chunks;
  };
  std::map<int64_t, V1Upload> v1_uploads_;
};

// The block ids of an Azure Put Block List body (<BlockList><Latest>id</Latest>...), in
// order; Committed, Uncommitted and Latest entries alike. An error for a malformed body.
Result<std::vector<std::string>> parse_block_list(const std::string& xml);

}  // namespace sluice::runtime
