// Defensive JSON parsing for health-source responses (untrusted: any server the user
// names). nlohmann/json stays out of headers other than this one, which only the sources'
// .cpp files include.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/result.h"

namespace sluice::gates {

inline constexpr size_t kMaxResponseBytes = 8u << 20;
inline constexpr int kMaxResponseDepth = 64;

// Parses `body`; errors say which source's response was malformed and why ("statuspage
// response is not JSON: ..."), including a body over kMaxResponseBytes or nested deeper
// than kMaxResponseDepth.
Result<nlohmann::json> parse_response(std::string_view body, const std::string& what);

// The string at `key` of an object, "" when absent or not a string.
std::string string_at(const nlohmann::json& object, const char* key);

}  // namespace sluice::gates
