#include "core/json.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

namespace sluice {
namespace {

// ordered_json keeps object keys in document order (matrix axes and toJSON depend on it).
Value from_nlohmann(const nlohmann::ordered_json& j) {
  switch (j.type()) {
    case nlohmann::json::value_t::null:
      return Value();
    case nlohmann::json::value_t::boolean:
      return Value(j.get<bool>());
    case nlohmann::json::value_t::number_integer:
      return Value(static_cast<double>(j.get<long long>()));
    case nlohmann::json::value_t::number_unsigned:
      return Value(static_cast<double>(j.get<unsigned long long>()));
    case nlohmann::json::value_t::number_float:
      return Value(j.get<double>());
    case nlohmann::json::value_t::string:
      return Value(j.get<std::string>());
    case nlohmann::json::value_t::array: {
      Value::Array items;
      items.reserve(j.size());
      for (const auto& e : j) items.push_back(from_nlohmann(e));
      return Value::array(std::move(items));
    }
    case nlohmann::json::value_t::object: {
      Value::Object members;
      members.reserve(j.size());
      for (auto it = j.begin(); it != j.end(); ++it)
        members.emplace_back(it.key(), from_nlohmann(it.value()));
      return Value::object(std::move(members));
    }
    default:
      return Value();
  }
}

nlohmann::ordered_json to_nlohmann(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kNull:
      return nullptr;
    case Value::Kind::kBool:
      return v.as_bool();
    case Value::Kind::kNumber: {
      double n = v.as_number();
      if (std::isfinite(n) && n == std::floor(n) && std::fabs(n) < 9e15)
        return static_cast<long long>(n);
      if (!std::isfinite(n)) return nullptr;
      return n;
    }
    case Value::Kind::kString:
      return v.as_string();
    case Value::Kind::kArray: {
      auto arr = nlohmann::ordered_json::array();
      for (const auto& e : v.as_array()) arr.push_back(to_nlohmann(e));
      return arr;
    }
    case Value::Kind::kObject: {
      auto obj = nlohmann::ordered_json::object();
      for (const auto& [k, e] : v.as_object()) obj[k] = to_nlohmann(e);
      return obj;
    }
  }
  return nullptr;
}

}  // namespace

Result<Value> parse_json(std::string_view text) {
  int depth = 0;
  bool too_deep = false;
  auto callback = [&](int d, nlohmann::ordered_json::parse_event_t event, nlohmann::ordered_json&) {
    (void)event;
    depth = d;
    if (d > kMaxJsonDepth) too_deep = true;
    return !too_deep;
  };
  try {
    nlohmann::ordered_json j = nlohmann::ordered_json::parse(text.begin(), text.end(), callback);
    if (too_deep)
      return Error{"JSON nested deeper than " + std::to_string(kMaxJsonDepth) + " levels", {}};
    return from_nlohmann(j);
  } catch (const nlohmann::json::out_of_range&) {  // a number like 1e999
    return Error{"invalid JSON: number out of range", {}};
  } catch (const nlohmann::json::exception& e) {
    if (too_deep)
      return Error{"JSON nested deeper than " + std::to_string(kMaxJsonDepth) + " levels", {}};
    return Error{std::string("invalid JSON: ") + e.what(), {}};
  }
}

std::string to_json(const Value& value, int indent) {
  return to_nlohmann(value).dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

int json_nesting_depth(std::string_view text) {
  int depth = 0, deepest = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return deepest;
}

}  // namespace sluice
