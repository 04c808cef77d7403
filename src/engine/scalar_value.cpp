#include "engine/scalar_value.h"

namespace sluice::engine {

Result<Value> evaluate_scalar(std::string_view text, const expr::EvalContext& ctx) {
  if (text.find("${{") != std::string_view::npos) return expr::evaluate_string(text, ctx);
  if (text == "true" || text == "True" || text == "TRUE") return Value(true);
  if (text == "false" || text == "False" || text == "FALSE") return Value(false);
  return Value(text);
}

Result<Value> evaluate_scalar(const spec::Scalar& scalar, const expr::EvalContext& ctx) {
  auto value = evaluate_scalar(scalar.text, ctx);
  if (!value.ok()) return place_in(scalar, value.error());
  return value;
}

Error place_in(const spec::Scalar& scalar, Error error) {
  int column = error.pos.column;
  error.pos = column > 0 ? scalar.pos_at(static_cast<size_t>(column - 1)) : scalar.pos;
  return error;
}

}  // namespace sluice::engine
