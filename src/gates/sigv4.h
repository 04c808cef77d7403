// AWS Signature Version 4
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html) for the requests
// the AWS Health source sends. Pure: the time is a parameter, so the signer is tested against AWS's
// published test vectors.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace sluice::gates {

struct AwsCredentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // "" for long-term keys
};

struct SigV4Request {
  std::string method = "POST";
  std::string path = "/";  // not encoded; each segment is URI-encoded when signing
  std::vector<std::pair<std::string, std::string>> query;    // decoded name/value pairs
  std::vector<std::pair<std::string, std::string>> headers;  // must include Host
  std::string body;
};

struct SigV4Context {
  std::string region;    // "us-east-1"
  std::string service;   // "health"
  std::string amz_date;  // "20150830T123600Z" (UTC)
};

// The headers to add to the request: X-Amz-Date, X-Amz-Security-Token (with a session
// token; it is signed too) and Authorization. Every header of `request` is signed.
std::vector<std::pair<std::string, std::string>> sign_v4(const SigV4Request& request,
                                                         const AwsCredentials& credentials,
                                                         const SigV4Context& context);

// The intermediate texts, exposed for tests and for debugging signature mismatches.
std::string sigv4_canonical_request(const SigV4Request& request);
std::string sigv4_uri_encode(const std::string& text, bool encode_slash);

// "20150830T123600Z" for the current UTC time.
std::string amz_date_now();

}  // namespace sluice::gates
