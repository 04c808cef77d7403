// The small JSONPath subset that `source: http` conditions use:
//
//   $                the whole document
//   .name            an object member (letters, digits, '_' and '-')
//   ["name"]         an object member with any characters
//   [3]              an array element (0-based)
//   [*]              every element of an array (or every member value of an object)
//
// A condition is `PATH OP LITERAL` with OP one of == != < > and LITERAL a JSON literal
// (a number, "a string" or 'a string', true, false, null): `$.status.indicator == "none"`,
// `$.checks[*].ok == true`, `$.queue.depth < 100`. With [*] the condition holds when it
// holds for every selected value; a path that selects nothing makes it false. < and >
// compare numbers only (anything else is false). No filters, slices, recursion (..) or
// functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace sluice::gates {

struct PathStep {
  enum class Kind { kMember, kIndex, kAll } kind = Kind::kMember;
  std::string member;
  size_t index = 0;
};

struct Condition {
  std::string text;
  std::vector<PathStep> path;
  std::string op;       // == != < >
  std::string literal;  // the literal as JSON text
};

Result<Condition> parse_condition(std::string_view text);

struct ConditionResult {
  bool holds = false;
  std::vector<std::string> values;  // the selected values as JSON (at most 10), for the log
};

// Evaluates against a JSON document given as text (parsed with gate_json's limits).
Result<ConditionResult> evaluate_condition(const Condition& condition, std::string_view document);

}  // namespace sluice::gates
