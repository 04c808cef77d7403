#include "plan/matrix.h"

#include <gtest/gtest.h>

#include "core/json.h"

namespace sluice::plan {
namespace {

std::vector<std::string> expand(const std::string& json) {
  auto matrix = parse_json(json);
  EXPECT_TRUE(matrix.ok());
  auto combos = expand_matrix(*matrix);
  EXPECT_TRUE(combos.ok()) << (combos.ok() ? "" : combos.error().message);
  std::vector<std::string> out;
  if (combos.ok())
    for (const Value& c : *combos) out.push_back(to_json(c));
  return out;
}

TEST(Matrix, CartesianProductFirstAxisSlowest) {
  EXPECT_EQ(expand(R"({"os":["linux","mac"],"node":[18,20]})"),
            (std::vector<std::string>{R"({"os":"linux","node":18})", R"({"os":"linux","node":20})",
                                      R"({"os":"mac","node":18})", R"({"os":"mac","node":20})"}));
}

TEST(Matrix, ExcludeRemovesMatchingCombinations) {
  EXPECT_EQ(expand(R"({"os":["linux","mac"],"node":[18,20],"exclude":[{"os":"mac","node":18}]})"),
            (std::vector<std::string>{R"({"os":"linux","node":18})", R"({"os":"linux","node":20})",
                                      R"({"os":"mac","node":20})"}));
}

// GitHub's documented example: include extends matching combinations without
// overwriting original values, and otherwise adds a combination.
TEST(Matrix, IncludeFollowsGitHubsRules) {
  auto out = expand(R"({
    "fruit": ["apple", "pear"], "animal": ["cat", "dog"],
    "include": [
      {"color": "green"},
      {"color": "pink", "animal": "cat"},
      {"fruit": "apple", "shape": "circle"},
      {"fruit": "banana"},
      {"fruit": "banana", "animal": "cat"}
    ]})");
  EXPECT_EQ(out, (std::vector<std::string>{
                     R"({"fruit":"apple","animal":"cat","color":"pink","shape":"circle"})",
                     R"({"fruit":"apple","animal":"dog","color":"green","shape":"circle"})",
                     R"({"fruit":"pear","animal":"cat","color":"pink"})",
                     R"({"fruit":"pear","animal":"dog","color":"green"})", R"({"fruit":"banana"})",
                     R"({"fruit":"banana","animal":"cat"})"}));
}

TEST(Matrix, IncludeOnly) {
  EXPECT_EQ(expand(R"({"include":[{"a":1},{"a":2}]})"),
            (std::vector<std::string>{R"({"a":1})", R"({"a":2})"}));
}

TEST(Matrix, RejectsMoreThan256Combinations) {
  auto m = parse_json(
      R"({"a":[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17],"b":[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16]})");
  auto combos = expand_matrix(*m);
  ASSERT_FALSE(combos.ok());
  EXPECT_NE(combos.error().message.find("256"), std::string::npos);
}

TEST(Matrix, RejectsHugeProductsBeforeMaterialising) {
  std::string axis = "[1,2,3,4,5,6,7,8,9,10]";
  auto m = parse_json("{\"a\":" + axis + ",\"b\":" + axis + ",\"c\":" + axis + ",\"d\":" + axis +
                      ",\"e\":" + axis + "}");
  EXPECT_FALSE(expand_matrix(*m).ok());
}

TEST(Matrix, RejectsBadShapes) {
  EXPECT_FALSE(expand_matrix(*parse_json(R"({"a":"x"})")).ok());
  EXPECT_FALSE(expand_matrix(*parse_json(R"({"a":[]})")).ok());
  EXPECT_FALSE(expand_matrix(*parse_json(R"({"include":"x"})")).ok());
  EXPECT_FALSE(expand_matrix(*parse_json(R"([1])")).ok());
}

TEST(Matrix, DisplaySuffix) {
  EXPECT_EQ(matrix_display_suffix(*parse_json(R"({"os":"linux","node":18})")), "(linux, 18)");
}

}  // namespace
}  // namespace sluice::plan

// Regression (issue 9 §4): `${{ insert }}` and expression keys in a matrix were kept as
// literal axis names. GitHub evaluates them: insert merges a mapping, a key becomes its value.
namespace sluice::plan {
namespace {

TEST(Matrix, InsertAndExpressionKeysAreEvaluated) {
  expr::EvalContext ctx;
  Value vars = Value::object();
  vars.set("AXIS", "node");
  vars.set("EXTRA", R"({"os": ["linux", "macos"]})");
  ctx.contexts.set("vars", vars);
  auto raw = parse_json(
      R"({"${{ vars.AXIS }}": [18, 20], "${{ insert }}": "${{ fromJSON(vars.EXTRA) }}",
          "include": [{"${{ vars.AXIS }}": 22, "os": "windows"}]})");
  ASSERT_TRUE(raw.ok());
  auto matrix = evaluate_matrix(*raw, ctx);
  ASSERT_TRUE(matrix.ok()) << matrix.error().message;
  EXPECT_EQ(to_json(*matrix),
            R"({"node":[18,20],"os":["linux","macos"],"include":[{"node":22,"os":"windows"}]})");
  auto combos = expand_matrix(*matrix);
  ASSERT_TRUE(combos.ok());
  EXPECT_EQ(combos->size(), 5u);
}

TEST(Matrix, InsertNeedsAMappingAndKeysMustBeUnique) {
  expr::EvalContext ctx;
  auto raw = parse_json(R"({"${{ insert }}": "${{ fromJSON('[1]') }}"})");
  ASSERT_TRUE(raw.ok());
  auto bad = evaluate_matrix(*raw, ctx);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message,
            "the value of `${{ insert }}` in the matrix must evaluate to a mapping, not [1]");
  raw = parse_json(R"({"os": [1], "${{ 'os' }}": [2]})");
  ASSERT_TRUE(raw.ok());
  auto twice = evaluate_matrix(*raw, ctx);
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().message, "matrix key 'os' is defined twice");
}

}  // namespace
}  // namespace sluice::plan
