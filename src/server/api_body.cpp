#include "server/api_body.h"

#include <nlohmann/json.hpp>
#include <set>

#include "core/json.h"

namespace sluice::server {

namespace {

using json = nlohmann::json;

Result<json> parse_object(const std::string& body, const std::set<std::string>& allowed) {
  if (body.find_first_not_of(" \t\r\n") == std::string::npos) return json::object();
  if (json_nesting_depth(body) > kMaxJsonDepth)
    return Error{"the body nests deeper than " + std::to_string(kMaxJsonDepth) + " levels", {}};
  json doc = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return Error{"the body is not valid JSON", {}};
  if (!doc.is_object()) return Error{"the body must be a JSON object", {}};
  for (const auto& [key, value] : doc.items())
    if (!allowed.count(key)) {
      std::string names;
      for (const auto& a : allowed) names += (names.empty() ? "" : ", ") + a;
      return Error{"unknown field '" + key + "' (expected: " + names + ")", {}};
    }
  return doc;
}

Result<std::string> string_field(const json& doc, const char* name) {
  if (!doc.contains(name)) return std::string();
  if (!doc[name].is_string()) return Error{std::string("'") + name + "' must be a string", {}};
  return doc[name].get<std::string>();
}

}  // namespace

Result<DispatchBody> parse_dispatch_body(const std::string& body) {
  auto doc = parse_object(body, {"ref", "inputs"});
  if (!doc) return doc.error();
  DispatchBody out;
  auto ref = string_field(*doc, "ref");
  if (!ref) return ref.error();
  out.ref = *ref;
  if (doc->contains("inputs")) {
    const json& inputs = (*doc)["inputs"];
    if (!inputs.is_object()) return Error{"'inputs' must be an object of name: value", {}};
    for (const auto& [name, value] : inputs.items()) {
      if (value.is_string())
        out.inputs.emplace_back(name, value.get<std::string>());
      else if (value.is_boolean())
        out.inputs.emplace_back(name, value.get<bool>() ? "true" : "false");
      else if (value.is_number())
        out.inputs.emplace_back(name, value.dump());
      else
        return Error{"input '" + name + "' must be a string, a boolean or a number", {}};
    }
  }
  return out;
}

Result<RerunBody> parse_rerun_body(const std::string& body) {
  auto doc = parse_object(body, {"failed"});
  if (!doc) return doc.error();
  RerunBody out;
  if (doc->contains("failed")) {
    if (!(*doc)["failed"].is_boolean()) return Error{"'failed' must be true or false", {}};
    out.failed_only = (*doc)["failed"].get<bool>();
  }
  return out;
}

Result<TokenBody> parse_token_body(const std::string& body) {
  auto doc = parse_object(body, {"role", "name"});
  if (!doc) return doc.error();
  auto role = string_field(*doc, "role");
  if (!role) return role.error();
  auto parsed = role_from_string(*role);
  if (!parsed) return Error{"'role' must be read, operate, admin or agent", {}};
  auto name = string_field(*doc, "name");
  if (!name) return name.error();
  if (name->size() > 200) return Error{"'name' is longer than 200 characters", {}};
  return TokenBody{*parsed, *name};
}

Result<std::string> parse_session_body(const std::string& body) {
  auto doc = parse_object(body, {"token"});
  if (!doc) return doc.error();
  auto token = string_field(*doc, "token");
  if (!token) return token.error();
  if (token->empty()) return Error{"'token' is required", {}};
  return *token;
}

}  // namespace sluice::server
