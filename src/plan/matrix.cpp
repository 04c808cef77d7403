#include "plan/matrix.h"

#include "core/json.h"

namespace sluice::plan {
namespace {

// A partial object `pattern` matches `combination` when every key of the pattern is
// present with an equal value.
bool matches(const Value& pattern, const Value& combination) {
  for (const auto& [key, value] : pattern.as_object()) {
    const Value* have = combination.find(key);
    if (!have || !have->deep_equals(value)) return false;
  }
  return true;
}

Value copy_object(const Value& v) {
  return Value::object(v.as_object());
}

}  // namespace

Result<std::vector<Value>> expand_matrix(const Value& matrix) {
  if (!matrix.is_object()) return Error{"strategy.matrix must be a mapping of axes", {}};
  std::vector<std::pair<std::string, const Value::Array*>> axes;
  const Value* include = nullptr;
  const Value* exclude = nullptr;
  for (const auto& [key, value] : matrix.as_object()) {
    if (iequals(key, "include")) {
      include = &value;
    } else if (iequals(key, "exclude")) {
      exclude = &value;
    } else {
      if (!value.is_array())
        return Error{"matrix axis '" + key + "' must be a list of values, got " + value.kind_name(),
                     {}};
      if (value.as_array().empty()) return Error{"matrix axis '" + key + "' is empty", {}};
      axes.emplace_back(key, &value.as_array());
    }
  }
  for (const Value* list : {include, exclude}) {
    if (!list) continue;
    if (!list->is_array()) return Error{"matrix include/exclude must be a list of mappings", {}};
    for (const Value& entry : list->as_array())
      if (!entry.is_object()) return Error{"matrix include/exclude entries must be mappings", {}};
  }

  // Cartesian product, checking the limit before materialising it.
  size_t product = axes.empty() ? 0 : 1;
  for (const auto& axis : axes) {
    product *= axis.second->size();
    if (product > 100 * kMaxMatrixCombinations)
      return Error{
          "matrix expands to more than " + std::to_string(kMaxMatrixCombinations) + " combinations",
          {}};
  }
  std::vector<Value> combos;
  if (!axes.empty()) {
    std::vector<size_t> index(axes.size(), 0);
    for (size_t n = 0; n < product; ++n) {
      Value combo = Value::object();
      for (size_t a = 0; a < axes.size(); ++a)
        combo.set(axes[a].first, (*axes[a].second)[index[a]]);
      bool excluded = false;
      if (exclude)
        for (const Value& pattern : exclude->as_array())
          excluded = excluded || matches(pattern, combo);
      if (!excluded) combos.push_back(std::move(combo));
      for (size_t a = axes.size(); a-- > 0;) {
        if (++index[a] < axes[a].second->size()) break;
        index[a] = 0;
      }
    }
  }

  // include: GitHub applies each entry to every original combination whose original
  // axis values it does not overwrite; if it applies to none, it becomes a new one.
  if (include) {
    size_t original = combos.size();
    for (const Value& entry : include->as_array()) {
      bool applied = false;
      for (size_t c = 0; c < original; ++c) {
        bool conflicts = false;
        for (const auto& [key, value] : entry.as_object()) {
          bool is_axis = false;
          for (const auto& axis : axes) is_axis = is_axis || iequals(axis.first, key);
          const Value* have = combos[c].find(key);
          if (is_axis && have && !have->deep_equals(value)) conflicts = true;
        }
        if (conflicts) continue;
        Value extended = copy_object(combos[c]);
        for (const auto& [key, value] : entry.as_object()) extended.set(key, value);
        combos[c] = extended;
        applied = true;
      }
      if (!applied) combos.push_back(copy_object(entry));
    }
  }
  if (combos.size() > kMaxMatrixCombinations)
    return Error{"matrix expands to " + std::to_string(combos.size()) +
                     " combinations; the limit is " + std::to_string(kMaxMatrixCombinations),
                 {}};
  return combos;
}

// True for a `${{ insert }}` key (any spacing and case): GitHub's directive that merges the
// mapping its value evaluates to into the enclosing mapping.
static bool is_insert_key(std::string_view key) {
  if (!key.starts_with("${{") || !key.ends_with("}}") || key.size() < 5) return false;
  std::string_view inner = key.substr(3, key.size() - 5);
  while (!inner.empty() && (inner.front() == ' ' || inner.front() == '\t')) inner.remove_prefix(1);
  while (!inner.empty() && (inner.back() == ' ' || inner.back() == '\t')) inner.remove_suffix(1);
  return to_lower(inner) == "insert";
}

static Result<Value> evaluate_matrix_at(const Value& raw, const expr::EvalContext& ctx, int depth);

// A mapping of the matrix whose keys may be expressions, as GitHub evaluates them: a
// `${{ insert }}` key merges the object its value evaluates to; another key holding `${{ }}`
// becomes the string it evaluates to. A key defined twice is an error.
static Result<Value> evaluate_matrix_mapping(const Value& raw, const expr::EvalContext& ctx,
                                             int depth) {
  Value out = Value::object();
  auto add = [&](const std::string& key, Value value) -> Status {
    if (key.empty()) return Error{"a matrix key evaluates to an empty string", {}};
    if (out.find(key)) return Error{"matrix key '" + key + "' is defined twice", {}};
    out.set(key, std::move(value));
    return Status::Ok();
  };
  for (const auto& [k, v] : raw.as_object()) {
    auto e = evaluate_matrix_at(v, ctx, depth + 1);
    if (!e.ok()) return e;
    if (is_insert_key(k)) {
      if (!e->is_object())
        return Error{
            "the value of `${{ insert }}` in the matrix must evaluate to a mapping, "
            "not " +
                to_json(*e),
            {}};
      for (const auto& [ik, iv] : e->as_object())
        if (Status s = add(ik, iv); !s.ok()) return s.error();
      continue;
    }
    std::string key = k;
    if (k.find("${{") != std::string::npos) {
      auto evaluated = expr::evaluate_string(k, ctx);
      if (!evaluated.ok()) return evaluated.error();
      key = evaluated->to_string();
    }
    if (Status s = add(key, std::move(*e)); !s.ok()) return s.error();
  }
  return out;
}

static Result<Value> evaluate_matrix_at(const Value& raw, const expr::EvalContext& ctx, int depth) {
  if (depth > 32) return Error{"matrix nested too deeply", {}};
  if (raw.is_string()) {
    if (raw.as_string().find("${{") == std::string::npos) return raw;
    return expr::evaluate_string(raw.as_string(), ctx);
  }
  if (raw.is_array()) {
    Value::Array out;
    for (const Value& v : raw.as_array()) {
      auto e = evaluate_matrix_at(v, ctx, depth + 1);
      if (!e.ok()) return e;
      out.push_back(*e);
    }
    return Value::array(std::move(out));
  }
  if (raw.is_object()) return evaluate_matrix_mapping(raw, ctx, depth);
  return raw;
}

Result<Value> evaluate_matrix(const Value& raw, const expr::EvalContext& ctx) {
  return evaluate_matrix_at(raw, ctx, 0);
}

std::string matrix_display_suffix(const Value& combination) {
  std::string out = "(";
  bool first = true;
  for (const auto& [key, value] : combination.as_object()) {
    if (!first) out += ", ";
    first = false;
    out += value.is_object() || value.is_array() ? to_json(value) : value.to_string();
  }
  return out + ")";
}

}  // namespace sluice::plan
