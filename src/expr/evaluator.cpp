// Tree-walking evaluator with GitHub's semantics. Recursion depth is bounded by the tree
// height, which the parser caps (ast.h).
//
// Object filters: `a.*` yields a "filtered array"; further `.b`, `[i]` or `.*` applied to a
// filtered array map over its elements and keep only the hits (GitHub's FilteredArray). The
// flag travels with the intermediate result only; functions and operators see plain arrays.
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "expr/ast.h"
#include "expr/compare.h"
#include "expr/expression.h"
#include "expr/functions.h"
#include "expr/hash_files.h"

namespace sluice::expr {
namespace {

struct Evaluated {
  Value value;
  bool filtered = false;
};

// Array position for an index value: floor of its number, when it is a finite non-negative
// number below `size`.
bool array_position(const Value& index, size_t size, size_t* position) {
  if (index.is_array() || index.is_object()) return false;
  double d = index.to_number();
  if (std::isnan(d) || std::isinf(d) || d < 0) return false;
  d = std::floor(d);
  if (d >= static_cast<double>(size)) return false;
  *position = static_cast<size_t>(d);
  return true;
}

bool is_primitive(const Value& v) {
  return !v.is_array() && !v.is_object();
}

void append_all_children(const Value& collection, Value::Array& out) {
  if (collection.is_array()) {
    for (const Value& v : collection.as_array()) out.push_back(v);
  } else if (collection.is_object()) {
    for (const auto& [key, v] : collection.as_object()) out.push_back(v);
  }
}

class Evaluator {
 public:
  Evaluator(const Expression& expression, const EvalContext& context)
      : expression_(expression), context_(context) {}

  Result<Evaluated> eval(const Node& node) {
    switch (node.kind) {
      case NodeKind::kLiteral:
        return Evaluated{node.literal};
      case NodeKind::kContext:
        return Evaluated{context_.contexts.get(node.name)};
      case NodeKind::kIndex:
        return eval_index(node);
      case NodeKind::kNot: {
        auto v = eval(*node.children[0]);
        if (!v) return v;
        return Evaluated{Value(!v->value.truthy())};
      }
      case NodeKind::kAnd:
      case NodeKind::kOr: {
        bool is_and = node.kind == NodeKind::kAnd;
        Result<Evaluated> last = Evaluated{};
        for (const auto& child : node.children) {
          last = eval(*child);
          if (!last) return last;
          if (last->value.truthy() != is_and) break;
        }
        return last;
      }
      case NodeKind::kEqual:
      case NodeKind::kNotEqual:
      case NodeKind::kLess:
      case NodeKind::kLessEqual:
      case NodeKind::kGreater:
      case NodeKind::kGreaterEqual:
        return eval_comparison(node);
      case NodeKind::kCall:
        return eval_call(node);
      case NodeKind::kTemplate: {
        std::string out;
        for (const auto& child : node.children) {
          auto v = eval(*child);
          if (!v) return v;
          out += v->value.to_string();
          if (out.size() > kMaxResultLength) return error(node, "template result is too long");
        }
        return Evaluated{Value(std::move(out))};
      }
    }
    return error(node, "internal error: unknown node");
  }

  Error error(const Node& node, const std::string& message) const {
    std::string text = expression_.text;
    if (text.size() > 80) text = text.substr(0, 80) + "...";
    return Error{message + " in '" + text + "' at column " + std::to_string(node.column),
                 SourcePos{"", 0, node.column}};
  }

 private:
  Result<Evaluated> eval_comparison(const Node& node) {
    auto lhs = eval(*node.children[0]);
    if (!lhs) return lhs;
    auto rhs = eval(*node.children[1]);
    if (!rhs) return rhs;
    const Value& a = lhs->value;
    const Value& b = rhs->value;
    bool result = false;
    switch (node.kind) {
      case NodeKind::kEqual:
        result = loose_equals(a, b);
        break;
      case NodeKind::kNotEqual:
        result = !loose_equals(a, b);
        break;
      case NodeKind::kLess:
        result = loose_less(a, b);
        break;
      case NodeKind::kLessEqual:
        result = loose_less(a, b) || loose_equals(a, b);
        break;
      case NodeKind::kGreater:
        result = loose_greater(a, b);
        break;
      case NodeKind::kGreaterEqual:
        result = loose_greater(a, b) || loose_equals(a, b);
        break;
      default:
        break;
    }
    return Evaluated{Value(result)};
  }

  Result<Evaluated> eval_index(const Node& node) {
    auto object = eval(*node.children[0]);
    if (!object) return object;
    Value index;
    if (!node.wildcard) {
      auto i = eval(*node.children[1]);
      if (!i) return i;
      index = std::move(i->value);
    }
    const Value& target = object->value;
    if (object->filtered) return Evaluated{filter_each(target, node.wildcard, index), true};
    if (node.wildcard) {
      Value::Array items;
      append_all_children(target, items);
      return Evaluated{Value::array(std::move(items)), true};
    }
    if (target.is_array()) {
      size_t position;
      if (array_position(index, target.as_array().size(), &position))
        return Evaluated{target.as_array()[position]};
      return Evaluated{};
    }
    if (target.is_object() && is_primitive(index)) {
      if (index.is_string()) return Evaluated{target.get(index.as_string())};
      return Evaluated{target.get(index.to_string())};
    }
    return Evaluated{};
  }

  // Applies an index to every element of a filtered array, keeping only the hits.
  static Value filter_each(const Value& filtered, bool wildcard, const Value& index) {
    Value::Array out;
    for (const Value& item : filtered.as_array()) {
      if (wildcard) {
        append_all_children(item, out);
      } else if (item.is_object()) {
        if (is_primitive(index))
          if (const Value* v = item.find(index.to_string())) out.push_back(*v);
      } else if (item.is_array()) {
        size_t position;
        if (array_position(index, item.as_array().size(), &position))
          out.push_back(item.as_array()[position]);
      }
    }
    return Value::array(std::move(out));
  }

  Result<Evaluated> eval_call(const Node& node) {
    switch (node.function) {
      case Function::kSuccess:
        return Evaluated{Value(!context_.status.failed && !context_.status.cancelled)};
      case Function::kFailure:
        return Evaluated{Value(context_.status.failed && !context_.status.cancelled)};
      case Function::kCancelled:
        return Evaluated{Value(context_.status.cancelled)};
      case Function::kAlways:
        return Evaluated{Value(true)};
      case Function::kCase:
        return eval_case(node);
      default:
        break;
    }
    std::vector<Value> args;
    args.reserve(node.children.size());
    for (const auto& child : node.children) {
      auto v = eval(*child);
      if (!v) return v;
      args.push_back(std::move(v->value));
    }
    Result<Value> result = Value();
    switch (node.function) {
      case Function::kContains:
        result = Value(fn_contains(args[0], args[1]));
        break;
      case Function::kStartsWith:
        result = Value(fn_starts_with(args[0], args[1]));
        break;
      case Function::kEndsWith:
        result = Value(fn_ends_with(args[0], args[1]));
        break;
      case Function::kFormat:
        result = fn_format(args);
        break;
      case Function::kJoin:
        result = fn_join(args[0], args.size() > 1 ? &args[1] : nullptr);
        break;
      case Function::kToJson:
        result = fn_to_json(args[0]);
        break;
      case Function::kFromJson:
        result = fn_from_json(args[0]);
        break;
      case Function::kHashFiles:
        result = eval_hash_files(args);
        break;
      default:
        break;
    }
    if (!result) return error(node, result.error().message);
    return Evaluated{std::move(result.value())};
  }

  Result<Value> eval_hash_files(const std::vector<Value>& args) {
    if (context_.workspace.empty())
      return Error{"hashFiles() is not available here (only in steps, where a workspace exists)",
                   {}};
    std::vector<std::string> patterns;
    for (const Value& a : args) patterns.push_back(a.to_string());
    auto digest = hash_files(context_.workspace, patterns);
    if (!digest) return digest.error();
    return Value(std::move(digest.value()));
  }

  // case(pred1, value1, ..., default): predicates are evaluated in order and must be booleans;
  // only the chosen value is evaluated.
  Result<Evaluated> eval_case(const Node& node) {
    size_t n = node.children.size();
    for (size_t i = 0; i + 1 < n; i += 2) {
      auto predicate = eval(*node.children[i]);
      if (!predicate) return predicate;
      if (!predicate->value.is_bool())
        return error(*node.children[i], std::string("case() predicate must be a boolean, got ") +
                                            predicate->value.kind_name());
      if (predicate->value.as_bool()) return eval(*node.children[i + 1]);
    }
    return eval(*node.children[n - 1]);
  }

  const Expression& expression_;
  const EvalContext& context_;
};

}  // namespace

Result<Value> evaluate(const Expression& expression, const EvalContext& context) {
  if (!expression.root) return Error{"internal error: evaluating an empty expression", {}};
  Evaluator evaluator(expression, context);
  auto result = evaluator.eval(*expression.root);
  if (!result) {
    Error e = result.error();
    if (e.pos.column > 0) e.pos.column += expression.offset;
    return e;
  }
  return std::move(result->value);
}

}  // namespace sluice::expr
