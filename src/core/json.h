// JSON text <-> Value. nlohmann/json stays inside json.cpp (DESIGN.md: heavy headers
// out of widely included headers).
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"
#include "core/value.h"

namespace sluice {

// Parses JSON text. Depth is limited (kMaxJsonDepth) so hostile input cannot exhaust the stack.
Result<Value> parse_json(std::string_view text);
constexpr int kMaxJsonDepth = 256;

// The deepest nesting of arrays and objects in JSON text, outside strings: one pass, no
// recursion, no allocation, so a body of a million '[' can be refused before any parser sees
// it. Does not validate the text.
int json_nesting_depth(std::string_view text);

// Serialises a Value. `indent` < 0 gives compact output; GitHub's toJSON uses 2.
std::string to_json(const Value& value, int indent = -1);

}  // namespace sluice
