// The OIDC issuer: tokens verified as a cloud provider verifies them (RS256 signature
// against the served JWKS, with OpenSSL), GitHub's claims, the discovery document, the key
// file, and who may have a token.
#include "runtime/oidc_issuer.h"

#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "runtime_fixture.h"

namespace sluice::runtime {
namespace {

using json = nlohmann::json;

class OidcIssuerTest : public testing::RuntimeFixture {
 protected:
  OidcIssuerTest()
      : keys_(std::string(32, 't'), std::string(32, 'u')),
        issuer_(
            data_dir(),
            [this](const std::string& token) { return keys_.verify_token(token, now_ms_ / 1000); },
            clock()) {
    issuer_.set_issuer("https://ci.example.com/");
    job_.run_id = "12";
    job_.job_key = "deploy";
    job_.job_id = job_backend_id("12", "deploy");
    job_.expires_s = now_ms_ / 1000 + 3600;
    token_ = keys_.issue_token(job_, now_ms_ / 1000);
  }

  static IdTokenClaims claims() {
    IdTokenClaims c;
    c.repository = "octo/app";
    c.repository_owner = "octo";
    c.ref = "refs/heads/main";
    c.ref_type = "branch";
    c.sha = "0123456789abcdef0123456789abcdef01234567";
    c.workflow = "CI";
    c.workflow_ref = "octo/app/.github/workflows/ci.yml@refs/heads/main";
    c.job_workflow_ref = c.workflow_ref;
    c.run_id = "12";
    c.run_number = "3";
    c.run_attempt = "1";
    c.event_name = "push";
    c.actor = "alice";
    return c;
  }

  HttpResponse get(const std::string& target, const std::string& token = "") {
    HttpRequest r;
    r.method = "GET";
    r.target = target;
    size_t q = target.find('?');
    r.path = target.substr(0, q);
    if (q != std::string::npos) r.query = parse_query(target.substr(q + 1));
    if (!token.empty()) r.headers["authorization"] = "Bearer " + token;
    return issuer_.handle(r);
  }

  RuntimeKeys keys_;
  OidcIssuer issuer_;
  RuntimeClaims job_;
  std::string token_;
};

// Verifies `jwt` against the RSA keys of `jwks` as a relying party does; returns its payload.
json verified_payload(const std::string& jwt, const json& jwks) {
  size_t dot1 = jwt.find('.'), dot2 = jwt.rfind('.');
  json header = json::parse(*base64url_decode(jwt.substr(0, dot1)));
  EXPECT_EQ(header["alg"], "RS256");
  EXPECT_EQ(header["typ"], "JWT");
  const json* jwk = nullptr;
  for (const json& k : jwks["keys"])
    if (k["kid"] == header["kid"]) jwk = &k;
  if (!jwk) {
    ADD_FAILURE() << "no key with kid " << header["kid"];
    return json();
  }
  std::string n = *base64url_decode(jwk->at("n").get<std::string>());
  std::string e = *base64url_decode(jwk->at("e").get<std::string>());
  BIGNUM* bn_n = BN_bin2bn(reinterpret_cast<const unsigned char*>(n.data()), n.size(), nullptr);
  BIGNUM* bn_e = BN_bin2bn(reinterpret_cast<const unsigned char*>(e.data()), e.size(), nullptr);
  OSSL_PARAM_BLD* build = OSSL_PARAM_BLD_new();
  OSSL_PARAM_BLD_push_BN(build, OSSL_PKEY_PARAM_RSA_N, bn_n);
  OSSL_PARAM_BLD_push_BN(build, OSSL_PKEY_PARAM_RSA_E, bn_e);
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(build);
  EVP_PKEY_CTX* from = EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr);
  EVP_PKEY* key = nullptr;
  EXPECT_EQ(EVP_PKEY_fromdata_init(from), 1);
  EXPECT_EQ(EVP_PKEY_fromdata(from, &key, EVP_PKEY_PUBLIC_KEY, params), 1);
  std::string signature = *base64url_decode(jwt.substr(dot2 + 1));
  std::string input = jwt.substr(0, dot2);
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  EXPECT_EQ(EVP_DigestVerifyInit(md, nullptr, EVP_sha256(), nullptr, key), 1);
  int ok = EVP_DigestVerify(md, reinterpret_cast<const unsigned char*>(signature.data()),
                            signature.size(), reinterpret_cast<const unsigned char*>(input.data()),
                            input.size());
  EVP_MD_CTX_free(md);
  EVP_PKEY_free(key);
  EVP_PKEY_CTX_free(from);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(build);
  BN_free(bn_n);
  BN_free(bn_e);
  EXPECT_EQ(ok, 1) << "the signature does not verify against the JWKS";
  if (ok != 1) return json();
  return json::parse(*base64url_decode(jwt.substr(dot1 + 1, dot2 - dot1 - 1)));
}

TEST_F(OidcIssuerTest, TokensVerifyAgainstTheServedJwksAndCarryGithubsClaims) {
  issuer_.allow("12", job_.job_id, claims());
  HttpResponse r = get("/_services/token/idtoken?api-version=2.0", token_);
  ASSERT_EQ(r.status, 200) << r.body;
  std::string jwt = json::parse(r.body)["value"];
  HttpResponse keys = get("/.well-known/jwks");
  ASSERT_EQ(keys.status, 200);
  json payload = verified_payload(jwt, json::parse(keys.body));
  int64_t now = now_ms_ / 1000;
  EXPECT_EQ(payload["iss"], "https://ci.example.com");
  EXPECT_EQ(payload["sub"], "repo:octo/app:ref:refs/heads/main");
  EXPECT_EQ(payload["aud"], "https://github.com/octo");
  EXPECT_EQ(payload["iat"], now);
  EXPECT_EQ(payload["exp"].get<int64_t>() - payload["iat"].get<int64_t>(), 300);
  EXPECT_LT(payload["nbf"].get<int64_t>(), now);
  EXPECT_EQ(payload["repository"], "octo/app");
  EXPECT_EQ(payload["repository_owner"], "octo");
  EXPECT_EQ(payload["ref"], "refs/heads/main");
  EXPECT_EQ(payload["ref_type"], "branch");
  EXPECT_EQ(payload["sha"], claims().sha);
  EXPECT_EQ(payload["workflow"], "CI");
  EXPECT_EQ(payload["workflow_ref"], "octo/app/.github/workflows/ci.yml@refs/heads/main");
  EXPECT_EQ(payload["job_workflow_ref"], "octo/app/.github/workflows/ci.yml@refs/heads/main");
  EXPECT_EQ(payload["run_id"], "12");  // strings, as GitHub sends them
  EXPECT_EQ(payload["run_number"], "3");
  EXPECT_EQ(payload["run_attempt"], "1");
  EXPECT_EQ(payload["event_name"], "push");
  EXPECT_EQ(payload["actor"], "alice");
  EXPECT_EQ(payload["runner_environment"], "self-hosted");
  EXPECT_FALSE(payload.contains("environment"));
  // Each token is unique.
  std::string again =
      json::parse(get("/_services/token/idtoken?api-version=2.0", token_).body)["value"];
  EXPECT_NE(payload["jti"], verified_payload(again, json::parse(keys.body))["jti"]);
}

TEST_F(OidcIssuerTest, AudienceAndEnvironmentShapeTheToken) {
  IdTokenClaims c = claims();
  c.environment = "prod:eu";
  issuer_.allow("12", job_.job_id, c);
  // @actions/core appends &audience=<encodeURIComponent(aud)> to the URL it was given.
  HttpResponse r =
      get("/_services/token/idtoken?api-version=2.0&audience=sts.amazonaws.com", token_);
  ASSERT_EQ(r.status, 200) << r.body;
  json payload = verified_payload(json::parse(r.body)["value"], json::parse(*issuer_.jwks()));
  EXPECT_EQ(payload["aud"], "sts.amazonaws.com");
  EXPECT_EQ(payload["sub"], "repo:octo/app:environment:prod%3Aeu");
  EXPECT_EQ(payload["environment"], "prod:eu");
}

TEST(IdTokenSubject, PullRequestsHaveTheirOwnSubject) {
  IdTokenClaims c;
  c.repository = "octo/app";
  c.ref = "refs/pull/7/merge";
  c.event_name = "pull_request";
  EXPECT_EQ(id_token_subject(c), "repo:octo/app:pull_request");
  c.event_name = "push";
  c.ref = "refs/tags/v1";
  EXPECT_EQ(id_token_subject(c), "repo:octo/app:ref:refs/tags/v1");
}

TEST_F(OidcIssuerTest, OnlyAllowedJobsWithAValidTokenGetOne) {
  HttpResponse denied = get("/_services/token/idtoken?api-version=2.0", token_);
  EXPECT_EQ(denied.status, 403);
  EXPECT_NE(denied.body.find("id-token: write"), std::string::npos) << denied.body;
  issuer_.allow("12", job_.job_id, claims());
  EXPECT_EQ(get("/_services/token/idtoken?api-version=2.0").status, 401);
  RuntimeKeys other(std::string(32, 'x'), std::string(32, 'u'));
  EXPECT_EQ(get("/_services/token/idtoken", other.issue_token(job_, now_ms_ / 1000)).status, 401);
  // Another job of the same run, with a valid runtime token, is not allowed.
  RuntimeClaims build = job_;
  build.job_key = "build";
  build.job_id = job_backend_id("12", "build");
  EXPECT_EQ(get("/_services/token/idtoken", keys_.issue_token(build, now_ms_ / 1000)).status, 403);
  EXPECT_EQ(get("/_services/token/idtoken?audience=" + std::string(2000, 'a'), token_).status, 400);
}

TEST_F(OidcIssuerTest, DiscoveryNamesTheIssuerAndItsKeys) {
  HttpResponse r = get("/.well-known/openid-configuration");
  ASSERT_EQ(r.status, 200);
  json d = json::parse(r.body);
  EXPECT_EQ(d["issuer"], "https://ci.example.com");
  EXPECT_EQ(d["jwks_uri"], "https://ci.example.com/.well-known/jwks");
  EXPECT_EQ(d["id_token_signing_alg_values_supported"], json::array({"RS256"}));
  EXPECT_EQ(d["response_types_supported"], json::array({"id_token"}));
  EXPECT_NE(
      std::find(d["claims_supported"].begin(), d["claims_supported"].end(), "job_workflow_ref"),
      d["claims_supported"].end());
  json keys = json::parse(get("/.well-known/jwks").body)["keys"];
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0]["kty"], "RSA");
  EXPECT_EQ(keys[0]["alg"], "RS256");
  EXPECT_EQ(keys[0]["use"], "sig");
  EXPECT_EQ(keys[0]["e"], "AQAB");
  EXPECT_GE(base64url_decode(keys[0]["n"].get<std::string>())->size(), 256u);  // 2048 bits
}

TEST_F(OidcIssuerTest, TheKeyIsCreatedOnFirstUsePrivateAndKept) {
  std::string path = data_dir() + "/oidc/signing-key.pem";
  struct stat st {};
  EXPECT_NE(::stat(path.c_str(), &st), 0);  // constructing the issuer created nothing
  std::string first = *issuer_.jwks();
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat((data_dir() + "/oidc").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  OidcIssuer later(data_dir(), [](const std::string&) -> Result<RuntimeClaims> {
    return Error{"none", {}};
  });
  EXPECT_EQ(*later.jwks(), first);  // the next process serves the same key
}

TEST_F(OidcIssuerTest, JobEnvCarriesAQueryForTheAudienceToAppendTo) {
  auto env = issuer_.job_env(token_);
  EXPECT_EQ(env["ACTIONS_ID_TOKEN_REQUEST_URL"],
            "https://ci.example.com/_services/token/idtoken?api-version=2.0");
  EXPECT_EQ(env["ACTIONS_ID_TOKEN_REQUEST_TOKEN"], token_);
}

// Under a controller the tokens name the controller as issuer, while jobs still ask their
// run's runtime services for them.
TEST_F(OidcIssuerTest, TheTokenEndpointMayDifferFromTheIssuer) {
  issuer_.set_token_endpoint("http://127.0.0.1:4711/");
  EXPECT_EQ(issuer_.job_env(token_)["ACTIONS_ID_TOKEN_REQUEST_URL"],
            "http://127.0.0.1:4711/_services/token/idtoken?api-version=2.0");
  EXPECT_EQ(issuer_.issuer(), "https://ci.example.com");
}

}  // namespace
}  // namespace sluice::runtime
