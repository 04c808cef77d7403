#include "runtime/runtime_token.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/encodings.h"

namespace sluice::runtime {
namespace {

constexpr int64_t kNow = 1'800'000'000;

RuntimeKeys keys() {
  return RuntimeKeys(std::string(32, 'k'), std::string(32, 'u'));
}

RuntimeClaims claims() {
  RuntimeClaims c;
  c.run_id = "42";
  c.job_key = "build (linux, 18)";
  c.job_id = job_backend_id("42", c.job_key);
  c.ref = "refs/heads/feature";
  c.default_ref = "refs/heads/main";
  c.expires_s = kNow + 3600;
  return c;
}

nlohmann::json payload_of(const std::string& token) {
  size_t a = token.find('.'), b = token.rfind('.');
  return nlohmann::json::parse(*base64url_decode(token.substr(a + 1, b - a - 1)));
}

TEST(RuntimeToken, RoundTripsItsClaims) {
  std::string token = keys().issue_token(claims(), kNow);
  auto verified = keys().verify_token(token, kNow + 10);
  ASSERT_TRUE(verified.ok()) << verified.error().message;
  EXPECT_EQ(verified->run_id, "42");
  EXPECT_EQ(verified->job_id, claims().job_id);
  EXPECT_EQ(verified->job_key, "build (linux, 18)");
  EXPECT_EQ(verified->ref, "refs/heads/feature");
  EXPECT_EQ(verified->default_ref, "refs/heads/main");
}

// @actions/artifact reads the ids from the first 3-part Actions.Results entry of `scp`.
TEST(RuntimeToken, CarriesTheScopeTheToolkitReads) {
  auto payload = payload_of(keys().issue_token(claims(), kNow));
  std::string scp = payload["scp"];
  EXPECT_NE(scp.find(" Actions.Results:42:" + claims().job_id + " "), std::string::npos) << scp;
  EXPECT_EQ(claims().job_id.find_first_of(" :"), std::string::npos);
  EXPECT_EQ(payload["exp"], kNow + 3600);
  auto ac = nlohmann::json::parse(payload["ac"].get<std::string>());
  EXPECT_EQ(ac[0]["Scope"], "refs/heads/feature");
}

TEST(RuntimeToken, RefusesExpiredForgedAndForeignTokens) {
  std::string token = keys().issue_token(claims(), kNow);
  EXPECT_FALSE(keys().verify_token(token, kNow + 3600).ok());  // exp is exclusive
  RuntimeKeys other(std::string(32, 'x'), std::string(32, 'u'));
  auto foreign = other.verify_token(token, kNow);
  ASSERT_FALSE(foreign.ok());
  EXPECT_NE(foreign.error().message.find("signature"), std::string::npos);
  // The payload changed (another run) under the old signature.
  RuntimeClaims c = claims();
  c.run_id = "43";
  std::string forged = keys().issue_token(c, kNow);
  forged = forged.substr(0, forged.rfind('.')) + token.substr(token.rfind('.'));
  EXPECT_FALSE(keys().verify_token(forged, kNow).ok());
  EXPECT_FALSE(keys().verify_token("", kNow).ok());
  EXPECT_FALSE(keys().verify_token("a.b", kNow).ok());
  EXPECT_FALSE(keys().verify_token("a.b.c.d", kNow).ok());
  EXPECT_FALSE(keys().verify_token(std::string(10000, 'a'), kNow).ok());
}

TEST(RuntimeToken, AlgNoneIsRefused) {
  std::string header = base64url_encode(R"({"alg":"none","typ":"JWT"})");
  std::string token = keys().issue_token(claims(), kNow);
  std::string body = token.substr(token.find('.') + 1, token.rfind('.') - token.find('.') - 1);
  EXPECT_FALSE(keys().verify_token(header + "." + body + ".", kNow).ok());
}

TEST(RuntimeToken, JobIdsAreStablePerRunAndJob) {
  EXPECT_EQ(job_backend_id("1", "a"), job_backend_id("1", "a"));
  EXPECT_NE(job_backend_id("1", "a"), job_backend_id("2", "a"));
  EXPECT_NE(job_backend_id("1", "a"), job_backend_id("1", "b"));
  EXPECT_EQ(job_backend_id("1", "a").size(), 36u);
}

TEST(Base64Url, RoundTripsEveryLength) {
  std::string bytes;
  for (int i = 0; i < 70; ++i) {
    bytes += static_cast<char>(i * 37 + 250);
    std::string text = base64url_encode(bytes);
    EXPECT_EQ(text.find_first_of("+/="), std::string::npos);
    auto back = base64url_decode(text);
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, bytes);
  }
  EXPECT_FALSE(base64url_decode("a*b").ok());
  EXPECT_FALSE(base64url_decode("a").ok());
}

TEST(SignedUrl, VerifiesOnlyItsPathPermissionAndOverrides) {
  RuntimeKeys k = keys();
  std::string query =
      k.sign_url("/sluice/blobs/abc.zip", "r", kNow + 60, {{"rsct", "application/zip"}});
  std::map<std::string, std::string> params;
  size_t start = 0;
  while (start < query.size()) {
    size_t end = query.find('&', start);
    if (end == std::string::npos) end = query.size();
    std::string part = query.substr(start, end - start);
    params[part.substr(0, part.find('='))] = part.substr(part.find('=') + 1);
    start = end + 1;
  }
  params["rsct"] = "application/zip";  // as the server decodes it
  EXPECT_GE(params["sig"].size(), 43u);
  EXPECT_TRUE(k.verify_url("/sluice/blobs/abc.zip", "r", params, kNow));
  EXPECT_FALSE(k.verify_url("/sluice/blobs/abd.zip", "r", params, kNow));  // another blob
  EXPECT_FALSE(k.verify_url("/sluice/blobs/abc.zip", "w", params, kNow));  // write with a read URL
  EXPECT_FALSE(k.verify_url("/sluice/blobs/abc.zip", "r", params, kNow + 60));  // expired
  auto changed = params;
  changed["rsct"] = "text/html";  // a response type the signer did not choose
  EXPECT_FALSE(k.verify_url("/sluice/blobs/abc.zip", "r", changed, kNow));
  changed = params;
  changed["se"] = std::to_string(kNow + 7200);  // a longer life
  EXPECT_FALSE(k.verify_url("/sluice/blobs/abc.zip", "r", changed, kNow));
  changed = params;
  changed["comp"] = "block";  // the client's own parameters do not matter
  EXPECT_TRUE(k.verify_url("/sluice/blobs/abc.zip", "r", changed, kNow));
  changed.erase("sig");
  EXPECT_FALSE(k.verify_url("/sluice/blobs/abc.zip", "r", changed, kNow));
  RuntimeKeys other(std::string(32, 'k'), std::string(32, 'v'));
  EXPECT_FALSE(other.verify_url("/sluice/blobs/abc.zip", "r", params, kNow));
}

TEST(RuntimeKeys, RandomKeysDiffer) {
  RuntimeClaims c = claims();
  std::string a = RuntimeKeys::random().issue_token(c, kNow);
  EXPECT_FALSE(RuntimeKeys::random().verify_token(a, kNow).ok());
}

}  // namespace
}  // namespace sluice::runtime
