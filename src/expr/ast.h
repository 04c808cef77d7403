// AST of the expression language. Built by the parser (parser.cpp), read by the
// evaluator, referenced_paths and tests. Nodes are immutable once an Expression holds them,
// so one parsed expression can be evaluated concurrently from several threads.
//
// Invariant: the height of any tree is at most kMaxExpressionDepth + 2 (the condition
// wrapper adds one level), so recursive walks over it cannot exhaust the stack.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/value.h"
#include "expr/expression.h"

namespace sluice::expr {

enum class NodeKind {
  kLiteral,   // literal: null, true, 1.5, 'text'
  kContext,   // name: a context such as `github` (read from EvalContext::contexts)
  kIndex,     // children[0][children[1]]; `a.b` is an index with a string-literal child;
              // wildcard: `a.*` / `a[*]` (then children has only the object)
  kNot,       // !children[0]
  kAnd,       // children[0] && children[1] && ... (n-ary, short-circuit)
  kOr,        // children[0] || children[1] || ...
  kEqual,     // ==
  kNotEqual,  // !=
  kLess,      // <
  kLessEqual,
  kGreater,
  kGreaterEqual,
  kCall,      // function(children...)
  kTemplate,  // condition text mixing `${{ }}` and literal text: concatenation of children
};

enum class Function {
  kContains,
  kStartsWith,
  kEndsWith,
  kFormat,
  kJoin,
  kToJson,
  kFromJson,
  kHashFiles,
  kSuccess,
  kAlways,
  kCancelled,
  kFailure,
  kCase,
};

class Node {
 public:
  NodeKind kind = NodeKind::kLiteral;
  int column = 0;    // 1-based column in Expression::text of the token that starts the node
  int height = 1;    // 1 + the largest child height
  Value literal;     // kLiteral
  std::string name;  // kContext: context name as written; kCall: function name as written
  Function function = Function::kContains;  // kCall
  bool wildcard = false;                    // kIndex: `.*` or `[*]`
  bool member = false;                      // kIndex: written `.name` (child 1 is the name)
  // Shared so that wrappers (conditions) can reuse a parsed subtree; never mutated after parse.
  std::vector<std::shared_ptr<const Node>> children;
};

// Function table shared by the parser (names, arity) and the evaluator.
struct FunctionInfo {
  const char* name;  // canonical spelling, e.g. "startsWith"
  Function function;
  int min_args;
  int max_args;            // -1: unbounded
  bool is_status = false;  // success() always() cancelled() failure()
};

// Looks a function up by name, ignoring case; nullptr when unknown.
const FunctionInfo* find_function(std::string_view name);
const FunctionInfo& function_info(Function function);

}  // namespace sluice::expr
