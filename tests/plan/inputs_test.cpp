// plan::resolve_call_inputs: the inputs context of a called workflow (issue 9 §4: a number
// input arrived as a string, and `default: ${{ ... }}` was kept as text).
#include "plan/inputs.h"

#include <gtest/gtest.h>

#include "core/json.h"
#include "spec/workflow_loader.h"

namespace sluice::plan {
namespace {

spec::Workflow called() {
  Diagnostics d;
  auto wf = spec::load_workflow_text(R"(on:
  workflow_call:
    inputs:
      replicas: {type: number, default: 2}
      dry-run: {type: boolean}
      label: {type: string, default: '${{ github.event_name }}-${{ inputs.target }}'}
      count: {type: number, default: '${{ vars.COUNT }}'}
      target: {type: string, required: true}
jobs: {a: {runs-on: x, steps: [{run: a}]}}
)",
                                     "called.yml", d);
  EXPECT_TRUE(wf) << d.format();
  return wf ? *wf : spec::Workflow{};
}

expr::EvalContext caller() {
  expr::EvalContext ctx;
  Value github = Value::object();
  github.set("event_name", "push");
  Value vars = Value::object();
  vars.set("COUNT", "7");
  ctx.contexts.set("github", github);
  ctx.contexts.set("vars", vars);
  ctx.contexts.set("secrets", Value::object());  // never visible to defaults
  return ctx;
}

TEST(CallInputs, GivenValuesTakeTheirDeclaredType) {
  Value given = Value::object();
  given.set("replicas", "3");
  given.set("dry-run", "true");
  given.set("target", "staging");
  auto inputs = resolve_call_inputs(called(), given, caller());
  ASSERT_TRUE(inputs.ok()) << inputs.error().message;
  EXPECT_EQ(to_json(*inputs),
            R"({"replicas":3,"dry-run":true,"label":"push-staging","count":7,"target":"staging"})");
}

TEST(CallInputs, DefaultsAreEvaluatedAndTyped) {
  Value given = Value::object();
  given.set("target", "prod");
  auto inputs = resolve_call_inputs(called(), given, caller());
  ASSERT_TRUE(inputs.ok()) << inputs.error().message;
  EXPECT_EQ(to_json(*inputs),
            R"({"replicas":2,"dry-run":false,"label":"push-prod","count":7,"target":"prod"})");
}

TEST(CallInputs, WrongTypesAndMissingRequiredInputsAreErrors) {
  Value given = Value::object();
  given.set("replicas", "three");
  given.set("dry-run", "yes");
  auto inputs = resolve_call_inputs(called(), given, caller());
  ASSERT_FALSE(inputs.ok());
  EXPECT_EQ(inputs.error().message,
            "input 'replicas' is a number: 'three' is not one\n"
            "input 'dry-run' is a boolean: 'yes' is not one\n"
            "required input 'target' not given");
}

}  // namespace
}  // namespace sluice::plan
