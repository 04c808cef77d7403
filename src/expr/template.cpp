// Templates ("text ${{ expr }} text") and `if:` conditions.
#include <algorithm>
#include <memory>
#include <string>
#include <utility>

#include "expr/ast.h"
#include "expr/expression.h"
#include "expr/functions.h"

namespace sluice::expr {
namespace {

bool is_blank(std::string_view s) {
  for (char c : s)
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') return false;
  return true;
}

std::string_view trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t' || s[b] == '\r' || s[b] == '\n')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r' || s[e - 1] == '\n'))
    --e;
  return s.substr(b, e - b);
}

Error error_at(std::string message, int column) {
  message += " at column " + std::to_string(column);
  return Error{std::move(message), SourcePos{"", 0, column}};
}

// Moves an error's column (and the "at column N" that ends its message) by `shift`.
Error shifted(Error e, int shift) {
  if (shift == 0 || e.pos.column <= 0) return e;
  std::string suffix = " at column " + std::to_string(e.pos.column);
  e.pos.column += shift;
  if (e.message.size() >= suffix.size() &&
      e.message.compare(e.message.size() - suffix.size(), suffix.size(), suffix) == 0)
    e.message.replace(e.message.size() - suffix.size(), suffix.size(),
                      " at column " + std::to_string(e.pos.column));
  return e;
}

// Finds the `}}` closing an expression that starts at `from`, skipping string literals (a
// `}}` inside '...' does not close). Returns npos when there is none; *open_string then
// tells whether a string literal was left open (the likely cause).
size_t find_close(std::string_view text, size_t from, bool* open_string) {
  bool& in_string = *open_string;
  in_string = false;
  for (size_t i = from; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\'') {
        if (i + 1 < text.size() && text[i + 1] == '\'')
          ++i;
        else
          in_string = false;
      }
    } else if (c == '\'') {
      in_string = true;
    } else if (c == '}' && i + 1 < text.size() && text[i + 1] == '}') {
      return i;
    }
  }
  return std::string_view::npos;
}

// The single expression of a template that is exactly one `${{ }}` modulo whitespace.
const Template::Part* single_expression(const Template& tmpl) {
  const Template::Part* found = nullptr;
  for (const auto& part : tmpl.parts) {
    if (part.is_expression) {
      if (found) return nullptr;
      found = &part;
    } else if (!is_blank(part.literal)) {
      return nullptr;
    }
  }
  return found;
}

}  // namespace

bool Template::has_expressions() const {
  for (const auto& part : parts)
    if (part.is_expression) return true;
  return false;
}

Result<Template> parse_template(std::string_view text) {
  Template tmpl;
  size_t i = 0;
  while (i < text.size()) {
    size_t open = text.find("${{", i);
    if (open == std::string_view::npos) open = text.size();
    if (open > i) {
      Template::Part literal;
      literal.literal = std::string(text.substr(i, open - i));
      literal.column = static_cast<int>(i) + 1;
      tmpl.parts.push_back(std::move(literal));
    }
    if (open == text.size()) break;
    bool open_string = false;
    size_t close = find_close(text, open + 3, &open_string);
    if (close == std::string_view::npos)
      return error_at(open_string
                          ? "'${{' is not closed by '}}' (a string literal inside it is not closed)"
                          : "'${{' is not closed by '}}'",
                      static_cast<int>(open) + 1);
    std::string_view raw = text.substr(open + 3, close - open - 3);
    std::string_view inner = trim(raw);
    int inner_offset = static_cast<int>(open + 3 + (inner.empty() ? 0 : inner.data() - raw.data()));
    if (inner.empty())
      return error_at("empty '${{ }}' (an expression is expected)", static_cast<int>(open) + 1);
    auto parsed = parse(inner);
    // Re-base error columns onto the template text.
    if (!parsed) return shifted(parsed.error(), inner_offset);
    Template::Part part;
    part.is_expression = true;
    part.expression = std::move(parsed.value());
    part.expression.offset = inner_offset;
    part.column = static_cast<int>(open) + 1;
    tmpl.parts.push_back(std::move(part));
    i = close + 2;
  }
  return tmpl;
}

Result<Value> evaluate_template(const Template& tmpl, const EvalContext& context) {
  if (const Template::Part* only = single_expression(tmpl))
    return evaluate(only->expression, context);
  std::string out;
  for (const auto& part : tmpl.parts) {
    if (!part.is_expression) {
      out += part.literal;
    } else {
      auto v = evaluate(part.expression, context);
      if (!v) return v;
      out += v->to_string();
    }
    if (out.size() > kMaxResultLength)
      return Error{"template result is longer than " + std::to_string(kMaxResultLength) + " bytes",
                   SourcePos{"", 0, part.column}};
  }
  return Value(std::move(out));
}

Result<Value> evaluate_string(std::string_view text, const EvalContext& context) {
  auto tmpl = parse_template(text);
  if (!tmpl) return tmpl.error();
  return evaluate_template(*tmpl, context);
}

Result<Expression> parse_condition(std::string_view text) {
  std::string_view body = trim(text);
  Expression expression;
  if (body.empty()) {
    auto parsed = parse("success()");
    if (parsed) parsed->uses_status_function = false;
    return parsed;
  }
  // Columns are reported relative to `text`, which may start with blanks.
  const int shift = static_cast<int>(body.data() - text.data());
  if (body.find("${{") == std::string_view::npos) {
    auto parsed = parse(body);
    if (!parsed) return shifted(parsed.error(), shift);
    expression = std::move(parsed.value());
    expression.offset = shift;
  } else {
    auto tmpl = parse_template(body);
    if (!tmpl) return shifted(tmpl.error(), shift);
    if (const Template::Part* only = single_expression(*tmpl)) {
      expression = only->expression;
      expression.offset += shift;
    } else {
      // Text mixed with `${{ }}` (e.g. `${{ a }} || ${{ b }}`) is a string, as on GitHub: it is
      // true whenever it is not empty. Kept for compatibility (see docs/expressions.md).
      auto node = std::make_shared<Node>();
      node->kind = NodeKind::kTemplate;
      node->column = 1;
      int height = 0;
      for (const auto& part : tmpl->parts) {
        if (part.is_expression) {
          expression.uses_status_function |= part.expression.uses_status_function;
          height = std::max(height, part.expression.root->height);
          node->children.push_back(part.expression.root);
        } else {
          auto literal = std::make_shared<Node>();
          literal->kind = NodeKind::kLiteral;
          literal->column = part.column;
          literal->literal = Value(part.literal);
          node->children.push_back(std::move(literal));
        }
      }
      node->height = height + 1;
      expression.root = std::move(node);
      expression.text = std::string(body);
    }
  }
  if (expression.uses_status_function) return expression;
  // No status function: `success() && (<expr>)`. uses_status_function stays false so callers
  // can tell that the user's text did not use one.
  auto success = std::make_shared<Node>();
  success->kind = NodeKind::kCall;
  success->function = Function::kSuccess;
  success->name = "success";
  success->column = 1;
  auto conjunction = std::make_shared<Node>();
  conjunction->kind = NodeKind::kAnd;
  conjunction->column = 1;
  conjunction->height = expression.root->height + 1;
  conjunction->children.push_back(std::move(success));
  conjunction->children.push_back(expression.root);
  expression.root = std::move(conjunction);
  return expression;
}

Result<bool> evaluate_condition(const Expression& condition, const EvalContext& context) {
  auto v = evaluate(condition, context);
  if (!v) return v.error();
  return v->truthy();
}

}  // namespace sluice::expr
