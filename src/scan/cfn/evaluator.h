// Evaluator: resolves CloudFormation intrinsic functions as far as the template and the
// given parameter values allow, with a tri-state answer.
//
//   known   - the value is decided (a literal, a parameter's value, a decidable Fn::If, ...)
//   unknown - it depends on something only known at deploy time (a resource's physical
//             ID, Fn::GetAtt, Fn::ImportValue, a parameter without default or value)
//   absent  - the value is not there (AWS::NoValue, a missing property)
//
// Rules that need an unknown value report UNKNOWN rather than guessing, so an
// undecidable template never yields a false Non-Compliant.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "scan/cfn/node.h"
#include "scan/cfn/template.h"

namespace sluice::scan::cfn {

struct EvalResult {
  enum class State { kKnown, kUnknown, kAbsent };
  State state = State::kAbsent;
  CfnNode value;       // valid when kKnown
  std::string reason;  // why it is unknown ("Ref to parameter Env without a default")

  bool known() const { return state == State::kKnown; }
  bool unknown() const { return state == State::kUnknown; }
  bool absent() const { return state == State::kAbsent; }
  static EvalResult make_known(CfnNode v) { return {State::kKnown, std::move(v), ""}; }
  static EvalResult make_unknown(std::string why) { return {State::kUnknown, {}, std::move(why)}; }
  static EvalResult make_absent() { return {}; }
};

// Values for template parameters and pseudo parameters ("AWS::Region"), e.g. from
// `--parameters FILE`. Strings; list parameters use comma-separated text.
using ParameterValues = std::map<std::string, std::string, std::less<>>;

// Reads a `{"Name": "value"}` JSON file (values may be strings, numbers, booleans or
// lists of strings). CloudFormation's own `[{"ParameterKey","ParameterValue"}]` list
// form is accepted too.
Result<ParameterValues> load_parameter_file(const std::string& path);

// Thread-compatible: one Evaluator per template, used from one thread.
class Evaluator {
 public:
  Evaluator(const Template& tmpl, const ParameterValues& values);

  // Evaluates `node` (nullptr = absent). Scalars are known as they are; non-intrinsic
  // objects are known as they are (their members are evaluated when read); arrays are
  // evaluated element-wise and drop AWS::NoValue elements.
  EvalResult eval(const CfnNode* node) const;

  // A named condition from the template's Conditions section; nullopt = undecidable.
  std::optional<bool> condition(std::string_view name) const;

 private:
  EvalResult eval_at(const CfnNode* node, int depth) const;
  EvalResult eval_intrinsic(const CfnNode& node, int depth) const;
  EvalResult ref(std::string_view name) const;
  EvalResult sub(const CfnNode& arg, int depth) const;
  std::optional<bool> condition_at(const CfnNode& node, int depth) const;
  std::optional<bool> named_condition(std::string_view name, int depth) const;

  const Template& tmpl_;
  const ParameterValues& values_;
};

}  // namespace sluice::scan::cfn
