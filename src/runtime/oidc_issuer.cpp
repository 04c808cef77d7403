#include "runtime/oidc_issuer.h"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/encodings.h"
#include "core/random.h"
#include "core/sha256.h"

namespace sluice::runtime {

namespace {

using json = nlohmann::json;

constexpr const char* kDiscoveryPath = "/.well-known/openid-configuration";
constexpr const char* kJwksPath = "/.well-known/jwks";
constexpr const char* kTokenPath = "/_services/token/idtoken";
constexpr int64_t kLifetimeS = 300;    // exp - iat, as GitHub's
constexpr int64_t kNotBeforeS = 600;   // iat - nbf, as in GitHub's documented tokens
constexpr size_t kMaxAudience = 1024;  // an audience is a URL or a short name
constexpr int kKeyBits = 2048;

// GitHub's claim names (docs/oidc.md), also listed in the discovery document.
const char* const kClaims[] = {"sub",
                               "aud",
                               "exp",
                               "iat",
                               "iss",
                               "jti",
                               "nbf",
                               "ref",
                               "ref_type",
                               "sha",
                               "repository",
                               "repository_owner",
                               "run_id",
                               "run_number",
                               "run_attempt",
                               "actor",
                               "workflow",
                               "workflow_ref",
                               "workflow_sha",
                               "job_workflow_ref",
                               "job_workflow_sha",
                               "head_ref",
                               "base_ref",
                               "event_name",
                               "environment",
                               "runner_environment"};

HttpResponse json_error(int status, const std::string& code, const std::string& message) {
  return HttpResponse::json(status, json{{"code", code}, {"msg", message}}.dump());
}

std::string escape_colons(const std::string& value) {
  std::string out;
  for (char c : value) out += c == ':' ? std::string("%3A") : std::string(1, c);
  return out;
}

std::string openssl_error(const std::string& what) {
  return what + " (OpenSSL)";
}

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct BnFree {
  void operator()(BIGNUM* b) const { BN_free(b); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

Result<std::string> bn_param(EVP_PKEY* key, const char* name) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &raw) != 1)
    return Error{openssl_error("cannot read the signing key's parameters"), {}};
  std::unique_ptr<BIGNUM, BnFree> bn(raw);
  std::string bytes(static_cast<size_t>(BN_num_bytes(bn.get())), '\0');
  BN_bn2bin(bn.get(), reinterpret_cast<unsigned char*>(bytes.data()));
  return base64url_encode(bytes);
}

Result<Pkey> read_key(const std::string& path) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new_file(path.c_str(), "r"));
  if (!bio) return Error{"cannot open the OIDC signing key " + path, {}};
  Pkey key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key || EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_RSA)
    return Error{"the OIDC signing key " + path +
                     " is not an RSA private key in PEM (remove it: a new one is created)",
                 {}};
  return key;
}

// Creates a key pair and links it into place as `path` (mode 0600). If another process got
// there first, its key is the one used.
Result<Pkey> create_key(const std::string& path) {
  std::string dir = std::filesystem::path(path).parent_path().string();
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Error{"cannot create " + dir + ": " + ec.message(), {}};
  ::chmod(dir.c_str(), 0700);
  Pkey key(EVP_RSA_gen(kKeyBits));
  if (!key) return Error{openssl_error("cannot generate the OIDC signing key"), {}};
  std::unique_ptr<BIO, BioFree> pem(BIO_new(BIO_s_mem()));
  if (!pem ||
      PEM_write_bio_PrivateKey(pem.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1)
    return Error{openssl_error("cannot encode the OIDC signing key"), {}};
  char* data = nullptr;
  long size = BIO_get_mem_data(pem.get(), &data);
  std::string temp = path + "." + hex_encode(random_bytes(8)) + ".tmp";
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return Error{"cannot create " + temp + ": " + std::strerror(errno), {}};
  bool written = ::write(fd, data, static_cast<size_t>(size)) == size && ::fsync(fd) == 0;
  ::close(fd);
  if (!written) {
    ::unlink(temp.c_str());
    return Error{"cannot write " + temp + " (is the disk full?)", {}};
  }
  // link() fails if the name exists, unlike rename(): the first key in place stays.
  int linked = ::link(temp.c_str(), path.c_str());
  int link_errno = errno;
  ::unlink(temp.c_str());
  if (linked != 0 && link_errno == EEXIST) return read_key(path);
  if (linked != 0) return Error{"cannot create " + path + ": " + std::strerror(link_errno), {}};
  return key;
}

}  // namespace

struct OidcIssuer::Key {
  Pkey pkey;
  std::string kid;   // RFC 7638 thumbprint of the public key
  std::string jwks;  // the JWKS document
};

std::string id_token_subject(const IdTokenClaims& c) {
  std::string base = "repo:" + escape_colons(c.repository) + ":";
  if (!c.environment.empty()) return base + "environment:" + escape_colons(c.environment);
  if (c.event_name == "pull_request" || c.event_name == "pull_request_target")
    return base + "pull_request";
  return base + "ref:" + escape_colons(c.ref);
}

OidcIssuer::OidcIssuer(std::string data_dir, Authenticator authenticate,
                       std::function<int64_t()> now_ms)
    : data_dir_(std::move(data_dir)),
      authenticate_(std::move(authenticate)),
      now_ms_(std::move(now_ms)) {}

OidcIssuer::~OidcIssuer() = default;

void OidcIssuer::set_issuer(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  std::lock_guard lock(mutex_);
  issuer_ = std::move(url);
}

void OidcIssuer::set_token_endpoint(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  std::lock_guard lock(mutex_);
  token_endpoint_ = std::move(url);
}

std::string OidcIssuer::issuer() const {
  std::lock_guard lock(mutex_);
  return issuer_;
}

int64_t OidcIssuer::now_s() const {
  if (now_ms_) return now_ms_() / 1000;
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void OidcIssuer::allow(const std::string& run_id, const std::string& job_id, IdTokenClaims claims) {
  std::lock_guard lock(mutex_);
  allowed_[{run_id, job_id}] = std::move(claims);
}

std::map<std::string, std::string> OidcIssuer::job_env(const std::string& runtime_token) const {
  std::string base;
  {
    std::lock_guard lock(mutex_);
    base = token_endpoint_.empty() ? issuer_ : token_endpoint_;
  }
  return {{"ACTIONS_ID_TOKEN_REQUEST_URL", base + kTokenPath + "?api-version=2.0"},
          {"ACTIONS_ID_TOKEN_REQUEST_TOKEN", runtime_token}};
}

Result<OidcIssuer::Key*> OidcIssuer::key() {
  if (key_) return key_.get();
  std::string path = data_dir_ + "/oidc/signing-key.pem";
  Result<Pkey> pkey = ::access(path.c_str(), F_OK) == 0 ? read_key(path) : create_key(path);
  if (!pkey) return pkey.error();
  auto n = bn_param(pkey->get(), OSSL_PKEY_PARAM_RSA_N);
  auto e = bn_param(pkey->get(), OSSL_PKEY_PARAM_RSA_E);
  if (!n) return n.error();
  if (!e) return e.error();
  // RFC 7638: SHA-256 of the required members in lexicographic order, no whitespace.
  std::string thumbprint_input = R"({"e":")" + *e + R"(","kty":"RSA","n":")" + *n + R"("})";
  Sha256 sha;
  sha.update(thumbprint_input.data(), thumbprint_input.size());
  auto key = std::make_unique<Key>();
  key->kid = base64url_encode(sha.finish_raw());
  key->jwks = json{{"keys", json::array({{{"kty", "RSA"},
                                          {"alg", "RS256"},
                                          {"use", "sig"},
                                          {"kid", key->kid},
                                          {"n", *n},
                                          {"e", *e}}})}}
                  .dump();
  key->pkey = std::move(*pkey);
  key_ = std::move(key);
  return key_.get();
}

Result<std::string> OidcIssuer::jwks() {
  std::lock_guard lock(mutex_);
  auto k = key();
  if (!k) return k.error();
  return (*k)->jwks;
}

std::string OidcIssuer::discovery() const {
  std::string iss = issuer();
  return json{{"issuer", iss},
              {"jwks_uri", iss + kJwksPath},
              {"subject_types_supported", {"public", "pairwise"}},
              {"response_types_supported", {"id_token"}},
              {"claims_supported", kClaims},
              {"id_token_signing_alg_values_supported", {"RS256"}},
              {"scopes_supported", {"openid"}}}
      .dump();
}

Result<std::string> OidcIssuer::issue(const RuntimeClaims& job, const std::string& audience) {
  std::lock_guard lock(mutex_);
  auto found = allowed_.find({job.run_id, job.job_id});
  if (found == allowed_.end())
    return Error{"permission_denied: job '" + job.job_key +
                     "' may not have ID tokens; give it `permissions: id-token: write`",
                 {}};
  const IdTokenClaims& c = found->second;
  auto k = key();
  if (!k) return k.error();
  int64_t now = now_s();
  json payload = {{"jti", hex_encode(random_bytes(16))},
                  {"sub", id_token_subject(c)},
                  {"aud", audience.empty() ? "https://github.com/" + c.repository_owner : audience},
                  {"ref", c.ref},
                  {"ref_type", c.ref_type},
                  {"ref_protected", "false"},
                  {"sha", c.sha},
                  {"repository", c.repository},
                  {"repository_owner", c.repository_owner},
                  {"run_id", c.run_id},
                  {"run_number", c.run_number},
                  {"run_attempt", c.run_attempt},
                  {"actor", c.actor},
                  {"workflow", c.workflow},
                  {"workflow_ref", c.workflow_ref},
                  {"workflow_sha", c.workflow_sha},
                  {"job_workflow_ref", c.job_workflow_ref},
                  {"job_workflow_sha", c.job_workflow_sha},
                  {"head_ref", c.head_ref},
                  {"base_ref", c.base_ref},
                  {"event_name", c.event_name},
                  {"runner_environment", "self-hosted"},
                  {"iss", issuer_},
                  {"nbf", now - kNotBeforeS},
                  {"iat", now},
                  {"exp", now + kLifetimeS}};
  if (!c.environment.empty()) payload["environment"] = c.environment;
  json header = {{"alg", "RS256"}, {"kid", (*k)->kid}, {"typ", "JWT"}};
  std::string signing_input =
      base64url_encode(header.dump()) + "." + base64url_encode(payload.dump());
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  size_t length = 0;
  const auto* input = reinterpret_cast<const unsigned char*>(signing_input.data());
  if (!ctx ||
      EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, (*k)->pkey.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &length, input, signing_input.size()) != 1)
    return Error{openssl_error("cannot sign the ID token"), {}};
  std::string signature(length, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &length, input,
                     signing_input.size()) != 1)
    return Error{openssl_error("cannot sign the ID token"), {}};
  signature.resize(length);
  return signing_input + "." + base64url_encode(signature);
}

bool OidcIssuer::serves(const std::string& path) {
  return path == kDiscoveryPath || path == kJwksPath || path == kTokenPath;
}

HttpResponse OidcIssuer::handle(HttpRequest& request) {
  if (request.method != "GET" && request.method != "HEAD")
    return json_error(405, "bad_route", "use GET");
  if (request.path == kDiscoveryPath) return HttpResponse::json(200, discovery());
  if (request.path == kJwksPath) {
    auto document = jwks();
    if (!document) return json_error(500, "internal", document.error().message);
    return HttpResponse::json(200, *document);
  }
  if (request.path != kTokenPath) return json_error(404, "not_found", "no such OIDC route");
  std::string credential = bearer_token(request.header("authorization"));
  if (credential.empty())
    return json_error(401, "unauthenticated", "no token (Authorization: Bearer)");
  auto job = authenticate_(credential);
  if (!job) return json_error(401, "unauthenticated", job.error().message);
  std::string audience;
  if (auto it = request.query.find("audience"); it != request.query.end()) audience = it->second;
  if (audience.size() > kMaxAudience || audience.find_first_of("\r\n") != std::string::npos)
    return json_error(400, "invalid_argument", "the audience is too long or holds a newline");
  auto token = issue(*job, audience);
  if (!token) {
    bool denied = token.error().message.rfind("permission_denied: ", 0) == 0;
    return json_error(denied ? 403 : 500, denied ? "permission_denied" : "internal",
                      token.error().message);
  }
  return HttpResponse::json(200, json{{"count", 1}, {"value", *token}}.dump());
}

}  // namespace sluice::runtime
