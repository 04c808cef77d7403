// The built-in functions, their canonical names and arities (checked at parse time, as
// GitHub does).
#include <array>

#include "core/value.h"
#include "expr/ast.h"

namespace sluice::expr {
namespace {

constexpr int kUnbounded = -1;

const std::array<FunctionInfo, 13> kFunctions = {{
    {"contains", Function::kContains, 2, 2},
    {"startsWith", Function::kStartsWith, 2, 2},
    {"endsWith", Function::kEndsWith, 2, 2},
    {"format", Function::kFormat, 1, kUnbounded},
    {"join", Function::kJoin, 1, 2},
    {"toJSON", Function::kToJson, 1, 1},
    {"fromJSON", Function::kFromJson, 1, 1},
    {"hashFiles", Function::kHashFiles, 1, kUnbounded},
    {"success", Function::kSuccess, 0, 0, true},
    {"always", Function::kAlways, 0, 0, true},
    {"cancelled", Function::kCancelled, 0, 0, true},
    {"failure", Function::kFailure, 0, 0, true},
    {"case", Function::kCase, 3, kUnbounded},
}};

}  // namespace

const FunctionInfo* find_function(std::string_view name) {
  for (const auto& f : kFunctions)
    if (iequals(f.name, name)) return &f;
  return nullptr;
}

const FunctionInfo& function_info(Function function) {
  for (const auto& f : kFunctions)
    if (f.function == function) return f;
  return kFunctions[0];  // unreachable: every enumerator is in the table
}

}  // namespace sluice::expr
