#include "gates/sigv4.h"

#include <algorithm>
#include <ctime>

#include "core/hmac.h"
#include "core/sha256.h"

namespace sluice::gates {
namespace {

std::string sha256_hex(const std::string& data) {
  Sha256 h;
  h.update(data.data(), data.size());
  return h.finish_hex();
}

std::string hex(const std::string& raw) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : raw) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Trims and collapses runs of spaces, as the canonical header value requires.
std::string canonical_value(const std::string& v) {
  std::string out;
  bool space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> canonical_headers(const SigV4Request& r) {
  std::vector<std::pair<std::string, std::string>> h;
  for (const auto& [name, value] : r.headers) {
    std::string n = lower(name);
    auto it = std::find_if(h.begin(), h.end(), [&](const auto& p) { return p.first == n; });
    if (it != h.end())
      it->second += "," + canonical_value(value);
    else
      h.emplace_back(n, canonical_value(value));
  }
  std::sort(h.begin(), h.end());
  return h;
}

std::string signed_header_names(const SigV4Request& r) {
  std::string out;
  for (const auto& [n, v] : canonical_headers(r)) out += (out.empty() ? "" : ";") + n;
  return out;
}

}  // namespace

std::string sigv4_uri_encode(const std::string& text, bool encode_slash) {
  static const char* digits = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' ||
        (c == '/' && !encode_slash)) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += digits[c >> 4];
      out += digits[c & 15];
    }
  }
  return out;
}

std::string sigv4_canonical_request(const SigV4Request& r) {
  std::vector<std::pair<std::string, std::string>> query;
  for (const auto& [n, v] : r.query)
    query.emplace_back(sigv4_uri_encode(n, true), sigv4_uri_encode(v, true));
  std::sort(query.begin(), query.end());
  std::string q;
  for (const auto& [n, v] : query) q += (q.empty() ? "" : "&") + n + "=" + v;
  std::string headers;
  for (const auto& [n, v] : canonical_headers(r)) headers += n + ":" + v + "\n";
  std::string path = r.path.empty() ? "/" : r.path;
  return r.method + "\n" + sigv4_uri_encode(path, false) + "\n" + q + "\n" + headers + "\n" +
         signed_header_names(r) + "\n" + sha256_hex(r.body);
}

std::vector<std::pair<std::string, std::string>> sign_v4(const SigV4Request& request,
                                                         const AwsCredentials& credentials,
                                                         const SigV4Context& context) {
  std::vector<std::pair<std::string, std::string>> added{{"X-Amz-Date", context.amz_date}};
  if (!credentials.session_token.empty())
    added.emplace_back("X-Amz-Security-Token", credentials.session_token);
  SigV4Request signed_request = request;
  for (const auto& h : added) signed_request.headers.push_back(h);
  std::string date = context.amz_date.substr(0, 8);
  std::string scope = date + "/" + context.region + "/" + context.service + "/aws4_request";
  std::string to_sign = "AWS4-HMAC-SHA256\n" + context.amz_date + "\n" + scope + "\n" +
                        sha256_hex(sigv4_canonical_request(signed_request));
  std::string key = hmac_sha256("AWS4" + credentials.secret_access_key, date);
  key = hmac_sha256(key, context.region);
  key = hmac_sha256(key, context.service);
  key = hmac_sha256(key, "aws4_request");
  std::string signature = hex(hmac_sha256(key, to_sign));
  added.emplace_back("Authorization", "AWS4-HMAC-SHA256 Credential=" + credentials.access_key_id +
                                          "/" + scope +
                                          ", SignedHeaders=" + signed_header_names(signed_request) +
                                          ", Signature=" + signature);
  return added;
}

std::string amz_date_now() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

}  // namespace sluice::gates
