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

}  // namespace sluice::plan
