// OidcIssuer: OpenID Connect ID tokens for jobs, as GitHub Actions issues them, so that a
// job with `permissions: id-token: write` can assume a cloud role (an AWS IAM OIDC
// provider, GCP workload identity, Vault's JWT auth) without stored keys (docs/oidc.md).
//
// Routes (mounted by the runtime server in `sluice run`, and by the controller on its own
// listener; paths relative to the issuer URL):
//   GET /.well-known/openid-configuration   discovery: issuer, jwks_uri, algorithms, claims
//   GET /.well-known/jwks                   the public key {"keys":[{kty,alg,use,kid,n,e}]}
//   GET /_services/token/idtoken?api-version=2.0[&audience=AUD]
//       Authorization: Bearer <the job's runtime token> → {"value":"<JWT>"}
// A job's steps find the last URL (with its query, since @actions/core appends
// `&audience=`) in ACTIONS_ID_TOKEN_REQUEST_URL and the bearer in
// ACTIONS_ID_TOKEN_REQUEST_TOKEN (job_env()).
//
// Tokens: RS256 JWTs (header alg, kid, typ) valid for 300 s (nbf 600 s before iat, as
// GitHub's), with GitHub's claim names: iss (the issuer URL), sub
// (`repo:O/R:environment:E`, `repo:O/R:pull_request` or `repo:O/R:ref:REF`), aud
// (`https://github.com/OWNER` unless the request names one), jti, and the job's own claims
// (IdTokenClaims). Only jobs registered with allow() get tokens: the permission is decided
// by whoever builds the job's environment, and a runtime token of any other job is refused.
//
// The signing key: RSA 2048, created at first use (not when the issuer is constructed: a
// run that asks for no token pays nothing) as <data dir>/oidc/signing-key.pem, mode 0600
// in a 0700 directory, kept across runs so that a cloud provider that cached the JWKS
// still verifies new tokens. Concurrent first uses by several processes agree on one key
// (the first file linked into place wins).
//
// Threading: every method may be called from any thread (one mutex).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "core/result.h"
#include "runtime/http_server.h"
#include "runtime/runtime_token.h"

namespace sluice::runtime {

// What a job's ID token says about it, besides iss, sub, aud and the times. Empty strings
// are sent as "" (GitHub sends head_ref and base_ref empty outside pull requests), except
// `environment`, which is left out when the job has none.
struct IdTokenClaims {
  std::string repository;        // OWNER/REPO
  std::string repository_owner;  // OWNER
  std::string ref;               // refs/heads/main, refs/tags/v1
  std::string ref_type;          // branch | tag
  std::string sha;
  std::string workflow;      // the workflow's name
  std::string workflow_ref;  // OWNER/REPO/.github/workflows/ci.yml@refs/heads/main
  std::string workflow_sha;
  std::string job_workflow_ref;  // the file defining the job (a called workflow's own)
  std::string job_workflow_sha;
  std::string run_id;
  std::string run_number;
  std::string run_attempt;
  std::string event_name;
  std::string environment;  // the job's environment name, "" for none
  std::string actor;
  std::string head_ref;
  std::string base_ref;
};

// GitHub's `sub`: environment first, then pull_request events, then the ref. A ':' inside a
// value is written %3A so that the fields stay apart.
std::string id_token_subject(const IdTokenClaims& claims);

class OidcIssuer {
 public:
  // Maps a bearer token to the job it was issued for (the runtime token's verification).
  using Authenticator = std::function<Result<RuntimeClaims>(const std::string& bearer)>;

  // `data_dir`: where oidc/signing-key.pem lives. `now_ms`: the wall clock (tests pass
  // theirs).
  OidcIssuer(std::string data_dir, Authenticator authenticate,
             std::function<int64_t()> now_ms = {});
  ~OidcIssuer();
  OidcIssuer(const OidcIssuer&) = delete;
  OidcIssuer& operator=(const OidcIssuer&) = delete;

  // The issuer URL (`iss`, and the base of the routes): scheme, host, optional port and
  // path, no trailing slash. "http://127.0.0.1:PORT" in `sluice run`; the controller's
  // public URL behind a controller (a cloud provider needs https and a reachable host).
  void set_issuer(std::string url);
  std::string issuer() const;
  // Where jobs request their tokens (the base of ACTIONS_ID_TOKEN_REQUEST_URL): the server
  // that mounts handle() for them; the issuer when not set. A controller's runs set the
  // issuer to the controller's URL and keep this at their own runtime services.
  void set_token_endpoint(std::string url);

  // Lets the job that RuntimeClaims{run_id, job_id} names have tokens with `claims`.
  void allow(const std::string& run_id, const std::string& job_id, IdTokenClaims claims);
  // ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN for a job allowed
  // above whose runtime token is `runtime_token`.
  std::map<std::string, std::string> job_env(const std::string& runtime_token) const;

  // True for the paths handle() serves.
  static bool serves(const std::string& path);
  HttpResponse handle(HttpRequest& request);

  // A signed token for an allowed job, `audience` "" for the default. Not found / not
  // allowed: an Error starting "permission_denied: ".
  Result<std::string> issue(const RuntimeClaims& job, const std::string& audience);
  // The JWKS document and the discovery document (JSON).
  Result<std::string> jwks();
  std::string discovery() const;

  struct Key;  // the loaded key pair (oidc_issuer.cpp)

 private:
  Result<Key*> key();  // loads or creates it; mutex_ held
  int64_t now_s() const;

  std::string data_dir_;
  Authenticator authenticate_;
  std::function<int64_t()> now_ms_;
  mutable std::mutex mutex_;
  std::string issuer_;
  std::string token_endpoint_;
  std::unique_ptr<Key> key_;
  std::map<std::pair<std::string, std::string>, IdTokenClaims> allowed_;
};

}  // namespace sluice::runtime
