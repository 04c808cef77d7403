#include "runtime/runtime_token.h"

#include <nlohmann/json.hpp>

#include "core/encodings.h"
#include "core/hmac.h"
#include "core/random.h"
#include "core/sha256.h"

namespace sluice::runtime {

namespace {

using json = nlohmann::json;

// Tokens larger than this are refused before decoding (ours are ~600 bytes).
constexpr size_t kMaxTokenSize = 8192;

std::string scope_of(const RuntimeClaims& c) {
  return "Actions.GenericRead:" + c.run_id + " Actions.Results:" + c.run_id + ":" + c.job_id +
         " Actions.UploadArtifacts:" + c.run_id + ":" + c.job_id;
}

// The run and job of the first 3-part Actions.Results entry, as @actions/artifact reads it.
bool parse_scope(const std::string& scp, std::string& run, std::string& job) {
  size_t start = 0;
  while (start <= scp.size()) {
    size_t end = scp.find(' ', start);
    std::string part =
        scp.substr(start, end == std::string::npos ? std::string::npos : end - start);
    const std::string prefix = "Actions.Results:";
    if (part.rfind(prefix, 0) == 0) {
      std::string rest = part.substr(prefix.size());
      size_t colon = rest.find(':');
      if (colon != std::string::npos && rest.find(':', colon + 1) == std::string::npos) {
        run = rest.substr(0, colon);
        job = rest.substr(colon + 1);
        return !run.empty() && !job.empty();
      }
    }
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return false;
}

}  // namespace

std::string base64url_encode(std::string_view bytes) {
  std::string text = base64_encode(bytes);
  while (!text.empty() && text.back() == '=') text.pop_back();
  for (char& c : text) c = c == '+' ? '-' : c == '/' ? '_' : c;
  return text;
}

Result<std::string> base64url_decode(std::string_view text) {
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  std::string out;
  out.reserve(text.size() * 3 / 4);
  uint32_t bits = 0;
  int count = 0;
  for (char c : text) {
    int v = c >= 'A' && c <= 'Z'   ? c - 'A'
            : c >= 'a' && c <= 'z' ? c - 'a' + 26
            : c >= '0' && c <= '9' ? c - '0' + 52
            : c == '-' || c == '+' ? 62
            : c == '_' || c == '/' ? 63
                                   : -1;
    if (v < 0) return Error{"invalid base64url character", {}};
    bits = (bits << 6) | static_cast<uint32_t>(v);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out += static_cast<char>((bits >> count) & 0xff);
    }
  }
  if (count >= 6) return Error{"truncated base64url text", {}};
  return out;
}

std::string job_backend_id(const std::string& run_id, const std::string& job_key) {
  std::string hex = hex_encode(sha256_raw(run_id + "\n" + job_key)).substr(0, 32);
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20);
}

RuntimeKeys RuntimeKeys::random() {
  std::string bytes = random_bytes(64);
  return RuntimeKeys(bytes.substr(0, 32), bytes.substr(32));
}

RuntimeKeys::RuntimeKeys(std::string token_key, std::string url_key)
    : token_key_(std::move(token_key)), url_key_(std::move(url_key)) {}

std::string RuntimeKeys::issue_token(const RuntimeClaims& c, int64_t now_s) const {
  json header = {{"alg", "HS256"}, {"typ", "JWT"}};
  json access = json::array({{{"Scope", c.ref}, {"Permission", 3}}});
  json payload = {{"scp", scope_of(c)}, {"ac", access.dump()},          {"ref", c.ref},
                  {"job", c.job_key},   {"default_ref", c.default_ref}, {"iat", now_s},
                  {"nbf", now_s - 60},  {"exp", c.expires_s},           {"iss", "sluice"}};
  std::string signing_input =
      base64url_encode(header.dump()) + "." + base64url_encode(payload.dump());
  return signing_input + "." + base64url_encode(hmac_sha256(token_key_, signing_input));
}

Result<RuntimeClaims> RuntimeKeys::verify_token(std::string_view token, int64_t now_s) const {
  if (token.size() > kMaxTokenSize) return Error{"runtime token too long", {}};
  size_t dot1 = token.find('.');
  size_t dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos)
    return Error{"runtime token is not a JWT", {}};
  std::string_view signing_input = token.substr(0, dot2);
  auto mac = base64url_decode(token.substr(dot2 + 1));
  if (!mac.ok() || !constant_time_equal(*mac, hmac_sha256(token_key_, signing_input)))
    return Error{"runtime token signature does not verify (a token of another sluice process?)",
                 {}};
  auto header_text = base64url_decode(token.substr(0, dot1));
  auto payload_text = base64url_decode(token.substr(dot1 + 1, dot2 - dot1 - 1));
  if (!header_text.ok() || !payload_text.ok()) return Error{"runtime token is not base64url", {}};
  json header = json::parse(*header_text, nullptr, false);
  json payload = json::parse(*payload_text, nullptr, false);
  if (!header.is_object() || header.value("alg", "") != "HS256" || !payload.is_object())
    return Error{"runtime token is not an HS256 JWT", {}};
  RuntimeClaims c;
  auto exp = payload.find("exp");
  if (exp == payload.end() || !exp->is_number_integer())
    return Error{"runtime token has no exp", {}};
  c.expires_s = exp->get<int64_t>();
  if (c.expires_s <= now_s) return Error{"runtime token expired", {}};
  auto string_claim = [&](const char* name) {
    auto it = payload.find(name);
    return it != payload.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  if (!parse_scope(string_claim("scp"), c.run_id, c.job_id))
    return Error{"runtime token has no Actions.Results:<run>:<job> scope", {}};
  c.job_key = string_claim("job");
  c.ref = string_claim("ref");
  c.default_ref = string_claim("default_ref");
  return c;
}

std::string RuntimeKeys::url_mac(const std::string& path, const std::string& permission,
                                 const std::string& expires, const std::string& rsct,
                                 const std::string& rscd) const {
  // Fields joined by '\n', which none of them can hold (a path and decoded query values
  // with a newline are refused before they get here).
  return base64url_encode(
      hmac_sha256(url_key_, path + "\n" + permission + "\n" + expires + "\n" + rsct + "\n" + rscd));
}

std::string RuntimeKeys::sign_url(const std::string& path, const std::string& permission,
                                  int64_t expires_s,
                                  const std::map<std::string, std::string>& extra) const {
  auto get = [&](const char* k) {
    auto it = extra.find(k);
    return it == extra.end() ? std::string() : it->second;
  };
  std::string se = std::to_string(expires_s);
  std::string query = "se=" + se + "&sp=" + permission;
  for (const auto& [k, v] : extra) query += "&" + k + "=" + uri_escape(v, false);
  return query + "&sig=" + url_mac(path, permission, se, get("rsct"), get("rscd"));
}

bool RuntimeKeys::verify_url(const std::string& path, const std::string& permission,
                             const std::map<std::string, std::string>& query, int64_t now_s) const {
  auto get = [&](const char* k) {
    auto it = query.find(k);
    return it == query.end() ? std::string() : it->second;
  };
  std::string se = get("se");
  if (se.empty() || se.size() > 18 || se.find_first_not_of("0123456789") != std::string::npos)
    return false;
  if (std::stoll(se) <= now_s || get("sp") != permission) return false;
  for (const std::string& field : {path, get("rsct"), get("rscd")})
    if (field.find('\n') != std::string::npos) return false;
  return constant_time_equal(get("sig"), url_mac(path, permission, se, get("rsct"), get("rscd")));
}

}  // namespace sluice::runtime
