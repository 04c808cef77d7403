// Helpers for expression tests: evaluate text against a context built from JSON.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "core/json.h"
#include "expr/expression.h"

namespace sluice::expr::testing {

inline EvalContext context_from_json(const std::string& json) {
  EvalContext ctx;
  auto parsed = parse_json(json);
  EXPECT_TRUE(parsed.ok()) << json;
  if (parsed) ctx.contexts = *parsed;
  return ctx;
}

// Parses and evaluates; a failure is reported as a test failure and yields the error text.
inline Value eval(const std::string& text, const EvalContext& ctx = EvalContext{}) {
  auto parsed = parse(text);
  if (!parsed) {
    ADD_FAILURE() << "parse(" << text << "): " << parsed.error().message;
    return Value("<parse error>");
  }
  auto value = evaluate(*parsed, ctx);
  if (!value) {
    ADD_FAILURE() << "evaluate(" << text << "): " << value.error().message;
    return Value("<evaluation error>");
  }
  return *value;
}

// The JSON rendering of a result: compact and exact, good for EXPECT_EQ.
inline std::string eval_json(const std::string& text, const EvalContext& ctx = EvalContext{}) {
  return to_json(eval(text, ctx));
}

inline bool eval_bool(const std::string& text, const EvalContext& ctx = EvalContext{}) {
  Value v = eval(text, ctx);
  EXPECT_TRUE(v.is_bool()) << text << " gave " << v.kind_name();
  return v.is_bool() && v.as_bool();
}

inline std::string parse_error(const std::string& text) {
  auto parsed = parse(text);
  if (parsed) return "<no error>";
  return parsed.error().message;
}

inline std::string eval_error(const std::string& text, const EvalContext& ctx = EvalContext{}) {
  auto parsed = parse(text);
  if (!parsed) return "<parse error: " + parsed.error().message + ">";
  auto value = evaluate(*parsed, ctx);
  if (value) return "<no error>";
  return value.error().message;
}

}  // namespace sluice::expr::testing
