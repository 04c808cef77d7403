#include "plan/inputs.h"

#include <cmath>

namespace sluice::plan {

Result<Value> resolve_dispatch_inputs(
    const spec::Workflow& workflow, const std::vector<std::pair<std::string, std::string>>& given) {
  Value inputs = Value::object();
  std::string problems;
  auto problem = [&](const std::string& text) {
    problems += (problems.empty() ? "" : "\n") + text;
  };
  for (const auto& [key, value] : given) {
    const spec::InputSpec* spec = nullptr;
    for (const auto& input : workflow.on.dispatch_inputs)
      if (iequals(input.id, key)) spec = &input;
    if (!spec) {
      std::string known;
      for (const auto& input : workflow.on.dispatch_inputs)
        known += (known.empty() ? "" : ", ") + input.id;
      problem(
          "unknown input '" + key + "'" +
          (known.empty() ? " (the workflow declares no inputs)" : " (declared: " + known + ")"));
      continue;
    }
    if (spec->type == "boolean") {
      if (value != "true" && value != "false") {
        problem("input '" + key + "' is a boolean: use true or false, not '" + value + "'");
        continue;
      }
      inputs.set(spec->id, value == "true");
    } else if (spec->type == "number") {
      double n = Value(value).to_number();
      if (std::isnan(n)) {
        problem("input '" + key + "' is a number: '" + value + "' is not one");
        continue;
      }
      inputs.set(spec->id, n);
    } else if (spec->type == "choice") {
      bool found = false;
      for (const auto& option : spec->options) found = found || option == value;
      if (!found) {
        std::string options;
        for (const auto& option : spec->options) options += (options.empty() ? "" : ", ") + option;
        problem("input '" + key + "' must be one of: " + options);
        continue;
      }
      inputs.set(spec->id, value);
    } else {
      inputs.set(spec->id, value);
    }
  }
  for (const auto& input : workflow.on.dispatch_inputs) {
    if (inputs.find(input.id)) continue;
    if (input.default_value) {
      inputs.set(input.id, *input.default_value);
    } else if (input.required) {
      problem("input '" + input.id + "' is required: pass --input " + input.id + "=<value>");
    } else {
      inputs.set(input.id, input.type == "boolean" ? Value(false) : Value(""));
    }
  }
  if (!problems.empty()) return Error{problems, {}};
  return inputs;
}

namespace {

// `value` as an input of `type` (string, number, boolean); nullopt when it is not one.
std::optional<Value> typed(const Value& value, const std::string& type) {
  if (type == "number") {
    if (value.is_number()) return value;
    if (!value.is_string()) return std::nullopt;
    double n = value.to_number();
    if (std::isnan(n) || value.as_string().empty()) return std::nullopt;
    return Value(n);
  }
  if (type == "boolean") {
    if (value.is_bool()) return value;
    if (value.is_string() && value.as_string() == "true") return Value(true);
    if (value.is_string() && value.as_string() == "false") return Value(false);
    return std::nullopt;
  }
  return value.is_string() ? value : Value(value.to_string());
}

}  // namespace

Result<Value> resolve_call_inputs(const spec::Workflow& called, const Value& given,
                                  const expr::EvalContext& caller) {
  Value inputs = Value::object();
  std::string problems;
  auto problem = [&](const std::string& text) {
    problems += (problems.empty() ? "" : "\n") + text;
  };
  expr::EvalContext defaults;
  for (const char* name : {"github", "vars"})
    if (const Value* v = caller.contexts.find(name)) defaults.contexts.set(name, *v);
  defaults.contexts.set("inputs", given);
  for (const spec::InputSpec& input : called.on.call_inputs) {
    const Value* passed = given.find(input.id);
    Value value;
    if (passed) {
      value = *passed;
    } else if (input.default_value) {
      value = *input.default_value;
      if (value.is_string()) {
        auto evaluated = expr::evaluate_string(value.as_string(), defaults);
        if (!evaluated.ok()) {
          problem("default of input '" + input.id + "': " + evaluated.error().message);
          continue;
        }
        value = *evaluated;
      }
    } else if (input.required) {
      problem("required input '" + input.id + "' not given");
      continue;
    } else {
      value = input.type == "boolean"  ? Value(false)
              : input.type == "number" ? Value(0.0)
                                       : Value("");
    }
    auto converted = typed(value, input.type);
    if (!converted) {
      problem("input '" + input.id + "' is a " + input.type + ": '" + value.to_string() +
              "' is not one");
      continue;
    }
    inputs.set(input.id, *converted);
  }
  if (!problems.empty()) return Error{problems, {}};
  return inputs;
}

}  // namespace sluice::plan
