// The `${{ }}` expression language of GitHub Actions: parsing and evaluation.
//
// Grammar and semantics follow GitHub's documentation (../shared/reference/
// github-actions-syntax.md §3.6): literals, operators ( ) [ ] . ! < <= > >= == != && ||,
// object filters `.*`, loose equality with case-insensitive strings, `&&`/`||`
// returning operand values, and the functions contains, startsWith, endsWith, format,
// join, toJSON, fromJSON, hashFiles, success, always, cancelled, failure.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/value.h"

namespace sluice::expr {

constexpr size_t kMaxExpressionLength = 64 * 1024;
constexpr int kMaxExpressionDepth = 100;

class Node;  // AST node, defined in expr/ast.h

// A parsed expression (the text between `${{` and `}}`).
struct Expression {
  std::shared_ptr<const Node> root;
  std::string text;
  bool uses_status_function = false;  // success() failure() cancelled() always()
  // Where `text` starts (0-based) in the string it was parsed from: a template or an `if:`
  // condition. Set by parse_template and parse_condition; 0 after parse().
  int offset = 0;
};

// Parses one expression. Errors give a message and the 1-based column within `text`
// in Error::pos.column (Error::pos.file/line are left empty for the caller to fill).
Result<Expression> parse(std::string_view text);

// Status of the job (for job-level `if`, the needed jobs) that status functions read.
struct StatusState {
  bool failed = false;     // an earlier step (or a needed job) failed
  bool cancelled = false;  // the run is being cancelled
};

// Everything an evaluation can read. `contexts` is an object with members github, env,
// vars, secrets, inputs, needs, matrix, strategy, steps, job, jobs, runner (absent ones
// read as null).
struct EvalContext {
  Value contexts = Value::object();
  StatusState status;
  std::string workspace;  // hashFiles() root; empty disables hashFiles
};

// Evaluates; errors (e.g. fromJSON on invalid JSON) name the expression and the column in
// it in their message, and give in Error::pos.column the 1-based column in the string the
// expression was parsed from (Expression::offset added), as parse errors do.
Result<Value> evaluate(const Expression& expression, const EvalContext& context);

// A string that may embed `${{ }}` expressions ("Hello ${{ github.actor }}!").
struct Template {
  struct Part {
    std::string literal;  // used when !is_expression
    Expression expression;
    bool is_expression = false;
    int column = 0;  // 1-based column of the part in the original string
  };
  std::vector<Part> parts;
  bool has_expressions() const;
};

Result<Template> parse_template(std::string_view text);

// A template that is exactly one `${{ }}` (modulo surrounding whitespace) keeps the
// expression's type (GitHub: numbers for timeouts, objects for fromJSON matrices);
// otherwise the parts are converted to strings and concatenated.
Result<Value> evaluate_template(const Template& tmpl, const EvalContext& context);

// Convenience: parse_template + evaluate_template.
Result<Value> evaluate_string(std::string_view text, const EvalContext& context);

// An `if:` condition: may omit `${{ }}`; when it contains no status function it is
// evaluated as `success() && (<expr>)`. Empty text means `success()`.
// The result's uses_status_function tells whether the user's text used a status function
// (the implied success() does not count); its text is the condition without `${{ }}`.
// Text mixing `${{ }}` with other text is, as on GitHub, a string (true when non-empty).
Result<Expression> parse_condition(std::string_view text);
Result<bool> evaluate_condition(const Expression& condition, const EvalContext& context);

// Every context path an expression reads with constant names, one member a segment, e.g.
// {"matrix", "a.b"} for `matrix['a.b']` — used by validation to report references to
// undefined inputs, jobs, steps or matrix axes.
using MemberPath = std::vector<std::string>;
std::vector<MemberPath> referenced_member_paths(const Expression& expression);
// The same paths joined with '.' ("needs.build.outputs.version"): for display and for
// prefix tests only, since a member may itself hold a '.'.
std::vector<std::string> referenced_paths(const Expression& expression);

}  // namespace sluice::expr
