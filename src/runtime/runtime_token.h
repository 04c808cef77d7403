// The runtime token: the bearer token a job's steps send to the runtime services
// (ACTIONS_RUNTIME_TOKEN), and the signed blob URLs handed out by those services.
//
// The token is a JWT (HS256) signed with a key that lives only in the sluice process that
// serves the run (RuntimeKeys::random()), so a token from another sluice process, or one a
// step forged, does not verify. Its claims say which run and job it belongs to:
//   scp  "Actions.GenericRead:<run> Actions.Results:<run>:<job>
//   Actions.UploadArtifacts:<run>:<job>"
//        @actions/artifact reads the run and job ids from the first 3-part Actions.Results
//        entry (docs/runner-protocol.md); they are opaque strings to the clients.
//   ac   a JSON string [{"Scope":"<ref>","Permission":3}] as GitHub and act send it (buildx's
//        gha cache reads it; the toolkit does not).
//   ref / default_ref   the cache scopes: a job writes to its run's ref and reads from it
//        and then from the default branch (GitHub's branch scoping).
//   exp / nbf / iat     seconds since the epoch.
// The key never leaves memory, so tokens die with the process (a rerun gets new ones).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "core/result.h"

namespace sluice::runtime {

// What a token grants: one job of one run.
struct RuntimeClaims {
  std::string run_id;       // workflow_run_backend_id: the sluice run id, decimal
  std::string job_id;       // workflow_job_run_backend_id: job_backend_id(run, job key)
  std::string job_key;      // the job's key in the run ("build (linux)"), for the records
  std::string ref;          // the run's ref (refs/heads/x), the cache scope it writes
  std::string default_ref;  // the default branch's ref, also read ("" : none)
  int64_t expires_s = 0;    // exp
};

// A UUID-shaped id for a job of a run, stable for (run, job key): job keys may hold spaces,
// colons and parentheses ("build (linux, 18)"), which the space- and colon-separated `scp`
// claim cannot carry.
std::string job_backend_id(const std::string& run_id, const std::string& job_key);

// base64url without padding (RFC 7515), and its inverse (which accepts padding).
std::string base64url_encode(std::string_view bytes);
Result<std::string> base64url_decode(std::string_view text);

// The process's secret keys: one for tokens, one for blob URLs. Not copyable by accident.
class RuntimeKeys {
 public:
  // 32 random bytes each from the kernel's CSPRNG (random_bytes).
  static RuntimeKeys random();
  RuntimeKeys(std::string token_key, std::string url_key);

  // A signed JWT for `claims`, issued at `now_s`.
  std::string issue_token(const RuntimeClaims& claims, int64_t now_s) const;
  // The claims of `token` when its signature is ours, it is HS256 and not expired at
  // `now_s`; otherwise an error saying which (never echoing the token).
  Result<RuntimeClaims> verify_token(std::string_view token, int64_t now_s) const;

  // Query parameters signing `path` for `permission` ("r" read, "w" write) until
  // `expires_s`, with the response overrides `extra` (Azure SAS names: rsct = Content-Type,
  // rscd = Content-Disposition) covered by the signature. Returns "se=..&sp=..&...&sig=..".
  std::string sign_url(const std::string& path, const std::string& permission, int64_t expires_s,
                       const std::map<std::string, std::string>& extra = {}) const;
  // True when `query` (decoded parameters of a request to `path`) carries a valid, unexpired
  // signature for `permission`. Parameters the signature does not cover (the client's
  // comp=, blockid=) are ignored.
  bool verify_url(const std::string& path, const std::string& permission,
                  const std::map<std::string, std::string>& query, int64_t now_s) const;

 private:
  std::string url_mac(const std::string& path, const std::string& permission,
                      const std::string& expires, const std::string& rsct,
                      const std::string& rscd) const;

  std::string token_key_;
  std::string url_key_;
};

}  // namespace sluice::runtime
