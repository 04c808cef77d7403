#include "runtime/twirp_json.h"

#include <cstdio>
#include <ctime>

namespace sluice::runtime {

using json = nlohmann::json;

namespace {

std::string camel_case(const std::string& snake) {
  std::string out;
  bool upper = false;
  for (char c : snake) {
    if (c == '_') {
      upper = true;
    } else {
      out += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
      upper = false;
    }
  }
  return out;
}

Error field_error(const std::string& name, const char* expected) {
  return Error{"invalid_argument: field '" + name + "' must be " + expected, {}};
}

}  // namespace

int twirp_status(const std::string& code) {
  if (code == "invalid_argument" || code == "malformed" || code == "out_of_range") return 400;
  if (code == "unauthenticated") return 401;
  if (code == "permission_denied") return 403;
  if (code == "not_found" || code == "bad_route") return 404;
  if (code == "already_exists" || code == "aborted") return 409;
  if (code == "failed_precondition") return 412;
  if (code == "resource_exhausted") return 429;
  if (code == "unimplemented") return 501;
  if (code == "unavailable") return 503;
  return 500;
}

HttpResponse twirp_error(const std::string& code, const std::string& msg) {
  return HttpResponse::json(twirp_status(code), json{{"code", code}, {"msg", msg}}.dump());
}

HttpResponse twirp_error_of(const Error& error) {
  static const char* codes[] = {"malformed",          "invalid_argument",    "not_found",
                                "already_exists",     "failed_precondition", "permission_denied",
                                "resource_exhausted", "unauthenticated"};
  for (const char* code : codes) {
    std::string prefix = std::string(code) + ": ";
    if (error.message.rfind(prefix, 0) == 0)
      return twirp_error(code, error.message.substr(prefix.size()));
  }
  return twirp_error("internal", error.message);
}

HttpResponse twirp_reply(const json& body) {
  return HttpResponse::json(200, body.dump());
}

Result<json> parse_twirp_request(const std::string& body) {
  json parsed = json::parse(body, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object())
    return Error{"malformed: the request body is not a JSON object", {}};
  return parsed;
}

const json* twirp_field(const json& object, const std::string& snake_name) {
  auto it = object.find(snake_name);
  if (it == object.end()) it = object.find(camel_case(snake_name));
  if (it == object.end() || it->is_null()) return nullptr;
  return &*it;
}

Result<std::string> twirp_string(const json& object, const std::string& name) {
  const json* v = twirp_field(object, name);
  if (!v) return std::string();
  if (!v->is_string()) return field_error(name, "a string");
  return v->get<std::string>();
}

Result<int64_t> twirp_int64(const json& object, const std::string& name) {
  const json* v = twirp_field(object, name);
  if (!v) return int64_t{0};
  if (v->is_number_integer()) return v->get<int64_t>();
  if (v->is_number_unsigned() && v->get<uint64_t>() <= INT64_MAX)
    return static_cast<int64_t>(v->get<uint64_t>());
  if (v->is_string()) {
    const std::string& s = v->get_ref<const std::string&>();
    size_t digits = s.size() - (!s.empty() && s[0] == '-' ? 1 : 0);
    if (digits > 0 && digits <= 18 &&
        s.find_first_not_of("0123456789", s.size() - digits) == std::string::npos)
      return static_cast<int64_t>(std::stoll(s));
  }
  return field_error(name, "an int64 (a decimal string or an integer)");
}

Result<std::optional<std::string>> twirp_optional_string(const json& object,
                                                         const std::string& name) {
  if (!twirp_field(object, name)) return std::optional<std::string>();
  auto v = twirp_string(object, name);
  if (!v.ok()) return v.error();
  return std::optional<std::string>(*v);
}

Result<std::optional<int64_t>> twirp_optional_int64(const json& object, const std::string& name) {
  if (!twirp_field(object, name)) return std::optional<int64_t>();
  auto v = twirp_int64(object, name);
  if (!v.ok()) return v.error();
  return std::optional<int64_t>(*v);
}

std::string twirp_timestamp(int64_t ms) {
  std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

Result<int64_t> parse_twirp_timestamp(const std::string& text) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, consumed = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &s, &consumed) !=
          6 ||
      mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60)
    return Error{"invalid_argument: '" + text.substr(0, 40) + "' is not an RFC 3339 timestamp", {}};
  std::string rest = text.substr(static_cast<size_t>(consumed));
  int64_t fraction_ms = 0;
  if (!rest.empty() && rest[0] == '.') {
    size_t end = rest.find_first_not_of("0123456789", 1);
    std::string digits = rest.substr(1, end == std::string::npos ? std::string::npos : end - 1);
    digits.resize(3, '0');
    fraction_ms = std::stoll(digits.substr(0, 3));
    rest = end == std::string::npos ? "" : rest.substr(end);
  }
  int64_t offset_s = 0;
  if (rest == "Z" || rest == "z") {
    offset_s = 0;
  } else if (rest.size() == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':') {
    int oh = std::atoi(rest.substr(1, 2).c_str()), om = std::atoi(rest.substr(4, 2).c_str());
    offset_s = (rest[0] == '-' ? -1 : 1) * (oh * 3600 + om * 60);
  } else {
    return Error{"invalid_argument: '" + text.substr(0, 40) + "' has no UTC offset", {}};
  }
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  int64_t epoch = static_cast<int64_t>(timegm(&tm));
  return (epoch - offset_s) * 1000 + fraction_ms;
}

}  // namespace sluice::runtime
