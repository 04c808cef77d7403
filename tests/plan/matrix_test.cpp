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
