#include "gates/sigv4.h"

#include <gtest/gtest.h>

namespace sluice::gates {
namespace {

const AwsCredentials kExample{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};

std::string header(const std::vector<std::pair<std::string, std::string>>& h,
                   const std::string& name) {
  for (const auto& [n, v] : h)
    if (n == name) return v;
  return "";
}

// AWS's published SigV4 test suite, "get-vanilla"
// (aws-sig-v4-test-suite/get-vanilla/get-vanilla.authz).
TEST(SigV4, MatchesAwsTestSuiteGetVanilla) {
  SigV4Request r;
  r.method = "GET";
  r.path = "/";
  r.headers = {{"Host", "example.amazonaws.com"}};
  auto added = sign_v4(r, kExample, SigV4Context{"us-east-1", "service", "20150830T123600Z"});
  EXPECT_EQ(header(added, "X-Amz-Date"), "20150830T123600Z");
  EXPECT_EQ(header(added, "Authorization"),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
            "SignedHeaders=host;x-amz-date, "
            "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

TEST(SigV4, CanonicalRequestOfGetVanilla) {
  SigV4Request r;
  r.method = "GET";
  r.headers = {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", "20150830T123600Z"}};
  EXPECT_EQ(sigv4_canonical_request(r),
            "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
            "host;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

// A DescribeEvents POST with a session token, cross-checked with botocore 1.43
// (SigV4Auth('health', 'us-east-1') with the time fixed at 2015-08-30T12:36:00Z).
TEST(SigV4, SignsAHealthPostWithASessionTokenAsBotocoreDoes) {
  SigV4Request r;
  r.method = "POST";
  r.path = "/";
  r.headers = {{"Content-Type", "application/x-amz-json-1.1"},
               {"X-Amz-Target", "AWSHealth_20160804.DescribeEvents"},
               {"Host", "127.0.0.1:8080"}};
  r.body = R"({"maxResults":100})";
  AwsCredentials c = kExample;
  c.session_token = "SESSIONTOKEN";
  auto added = sign_v4(r, c, SigV4Context{"us-east-1", "health", "20150830T123600Z"});
  EXPECT_EQ(header(added, "X-Amz-Security-Token"), "SESSIONTOKEN");
  EXPECT_EQ(header(added, "Authorization"),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/health/aws4_request, "
            "SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target, "
            "Signature=d26a2b59f59934535b90b431742f2a8494647ef6a482b2703a209906eed2aadc");
}

TEST(SigV4, EncodesAndSortsTheQuery) {
  SigV4Request r;
  r.method = "GET";
  r.query = {{"b", "x y"}, {"a", "1/2"}};
  r.headers = {{"Host", "h"}};
  std::string c = sigv4_canonical_request(r);
  EXPECT_NE(c.find("\na=1%2F2&b=x%20y\n"), std::string::npos) << c;
}

}  // namespace
}  // namespace sluice::gates
