// libFuzzer target: what a job's steps send the runtime services (cache v2 / artifact v4
// Twirp JSON bodies, cache v1 REST calls, Azure block lists, query strings, bearer tokens,
// OIDC token requests), through RuntimeServer::handle() as the HTTP server calls it.
// Built with -DSLUICE_FUZZ=ON (clang). Any crash, sanitizer report, hang or out-of-memory
// is a bug; so is a Twirp reply that is not JSON (the clients retry those as outages).
//
// Input: byte 0 picks the route, the rest is the body (for query-string routes, the
// query). Calls carry a valid runtime token, so the body reaches the JSON parsing; the
// storage lives in a temp directory for the whole fuzzing process.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>

#include "runtime/runtime_server.h"

namespace {

using namespace sluice::runtime;

const char* const kRoutes[] = {
    "/twirp/github.actions.results.api.v1.CacheService/CreateCacheEntry",
    "/twirp/github.actions.results.api.v1.CacheService/FinalizeCacheEntryUpload",
    "/twirp/github.actions.results.api.v1.CacheService/GetCacheEntryDownloadURL",
    "/twirp/github.actions.results.api.v1.ArtifactService/CreateArtifact",
    "/twirp/github.actions.results.api.v1.ArtifactService/FinalizeArtifact",
    "/twirp/github.actions.results.api.v1.ArtifactService/ListArtifacts",
    "/twirp/github.actions.results.api.v1.ArtifactService/GetSignedArtifactURL",
    "/twirp/github.actions.results.api.v1.ArtifactService/DeleteArtifact",
};

struct Fixture {
  std::string dir;
  RuntimeServer* server = nullptr;
  std::string token;

  Fixture() {
    char pattern[] = "/tmp/sluice-runtime-fuzz.XXXXXX";
    dir = ::mkdtemp(pattern);
    server = new RuntimeServer(dir, RuntimeKeys(std::string(32, 't'), std::string(32, 'u')));
    token = server->token_for(1, "fuzz", "refs/heads/main", "refs/heads/main");
  }
};

Fixture& fixture() {
  static Fixture f;  // one data directory per process (left in /tmp; small)
  return f;
}

HttpRequest request(const std::string& method, const std::string& target,
                    const std::string& token) {
  HttpRequest r;
  r.method = method;
  r.target = target;
  size_t q = target.find('?');
  r.path = target.substr(0, q);
  if (q != std::string::npos) r.query = parse_query(target.substr(q + 1));
  if (!token.empty()) r.headers["authorization"] = "Bearer " + token;
  return r;
}

void check_twirp(const HttpResponse& response) {
  if (response.status < 200 || response.status > 599) __builtin_trap();
  if (!nlohmann::json::accept(response.body)) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  Fixture& f = fixture();
  std::string body(reinterpret_cast<const char*>(data) + 1, size - 1);
  unsigned route = data[0] % 12;
  if (route < 8) {
    HttpRequest r = request("POST", kRoutes[route], f.token);
    if (f.server->plan_body(r).kind != BodyPlan::Kind::kMemory) __builtin_trap();
    r.body = body;
    r.body_size = body.size();
    check_twirp(f.server->handle(r));
  } else if (route == 8) {
    // Cache v1: the query and a JSON body of `POST caches`.
    HttpRequest get = request("GET", "/_apis/artifactcache/cache?" + body, f.token);
    (void)f.server->handle(get);
    HttpRequest post = request("POST", "/_apis/artifactcache/caches", f.token);
    post.body = body;
    (void)f.server->handle(post);
  } else if (route == 9) {
    (void)parse_block_list(body);
    (void)parse_query(body);
    (void)percent_decode(body);
  } else if (route == 10) {
    // A forged or damaged bearer token never authenticates.
    HttpRequest r = request("POST", kRoutes[2], body);
    r.body = "{}";
    HttpResponse response = f.server->handle(r);
    if (response.status == 200 && body != f.token) __builtin_trap();
    check_twirp(response);
  } else {
    // OIDC: the token request's query (no job is allowed here: never a 200).
    HttpRequest r = request("GET", "/_services/token/idtoken?" + body, f.token);
    HttpResponse response = f.server->handle(r);
    if (response.status == 200) __builtin_trap();
  }
  return 0;
}
