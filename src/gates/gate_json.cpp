#include "gates/gate_json.h"

namespace sluice::gates {

Result<nlohmann::json> parse_response(std::string_view body, const std::string& what) {
  if (body.size() > kMaxResponseBytes)
    return Error{what + " response is too large (" + std::to_string(body.size()) +
                     " bytes, at most " + std::to_string(kMaxResponseBytes) + ")",
                 {}};
  bool too_deep = false;
  auto limit_depth = [&too_deep](int depth, nlohmann::json::parse_event_t, nlohmann::json&) {
    if (depth > kMaxResponseDepth) too_deep = true;
    return !too_deep;
  };
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(body.begin(), body.end(), limit_depth);
  } catch (const nlohmann::json::exception& e) {
    if (too_deep)
      return Error{
          what + " response is nested deeper than " + std::to_string(kMaxResponseDepth) + " levels",
          {}};
    std::string msg = e.what();
    if (msg.size() > 200) msg.resize(200);
    return Error{what + " response is not JSON: " + msg, {}};
  }
  if (too_deep)
    return Error{
        what + " response is nested deeper than " + std::to_string(kMaxResponseDepth) + " levels",
        {}};
  return j;
}

std::string string_at(const nlohmann::json& object, const char* key) {
  if (!object.is_object()) return "";
  auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return "";
  return it->get<std::string>();
}

}  // namespace sluice::gates
