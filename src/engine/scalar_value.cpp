#include "engine/scalar_value.h"

namespace sluice::engine {

Result<Value> evaluate_scalar(std::string_view text, const expr::EvalContext& ctx) {
  if (text.find("${{") != std::string_view::npos) return expr::evaluate_string(text, ctx);
  if (text == "true" || text == "True" || text == "TRUE") return Value(true);
  if (text == "false" || text == "False" || text == "FALSE") return Value(false);
  return Value(text);
}

}  // namespace sluice::engine
