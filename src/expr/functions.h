// Implementations of the value functions (everything except the status functions and
// case(), which the evaluator handles because they read the status or evaluate lazily).
// Errors carry only a message; the evaluator adds the expression and column.
#pragma once

#include <string>
#include <vector>

#include "core/result.h"
#include "core/value.h"

namespace sluice::expr {

// Longest string a function or template may produce; hostile format()/join() inputs must not
// exhaust memory.
constexpr size_t kMaxResultLength = 32 * 1024 * 1024;

bool fn_contains(const Value& search, const Value& item);
bool fn_starts_with(const Value& text, const Value& prefix);
bool fn_ends_with(const Value& text, const Value& suffix);
// args[0] is the format string, args[1..] the values for {0}, {1}, ...
Result<Value> fn_format(const std::vector<Value>& args);
// separator may be null (the default ',').
Result<Value> fn_join(const Value& items, const Value* separator);
Result<Value> fn_to_json(const Value& value);
Result<Value> fn_from_json(const Value& text);

}  // namespace sluice::expr
