// Built-in functions, one test group each, including their error cases.
#include <gtest/gtest.h>

#include <string>

#include "expr/expression.h"
#include "expr_test_util.h"

namespace sluice::expr {
namespace {

using testing::context_from_json;
using testing::eval;
using testing::eval_bool;
using testing::eval_error;
using testing::eval_json;

TEST(ExprContains, StringSubstringIgnoringCase) {
  EXPECT_TRUE(eval_bool("contains('Hello world', 'llo')"));
  EXPECT_TRUE(eval_bool("contains('Hello world', 'WORLD')"));
  EXPECT_FALSE(eval_bool("contains('Hello', 'x')"));
  EXPECT_TRUE(eval_bool("contains('abc', '')"));
  EXPECT_TRUE(eval_bool("contains(12345, 34)"));  // primitives converted to strings
  EXPECT_TRUE(eval_bool("contains(true, 'RU')"));
  EXPECT_FALSE(eval_bool("contains(null, 'x')"));
}

TEST(ExprContains, ArrayElementLooseEquality) {
  auto ctx = context_from_json(R"({"a":["push","Pull_Request",1,null],"o":{"k":"v"}})");
  EXPECT_TRUE(eval_bool("contains(a, 'push')", ctx));
  EXPECT_TRUE(eval_bool("contains(a, 'pull_request')", ctx));  // case-insensitive
  EXPECT_TRUE(eval_bool("contains(a, '1')", ctx));             // loose: '1' == 1
  EXPECT_TRUE(eval_bool("contains(a, null)", ctx));
  EXPECT_FALSE(eval_bool("contains(a, 'pus')", ctx));  // elements, not substrings
  EXPECT_TRUE(eval_bool("contains(fromJSON('[\"a\",\"b\"]'), 'B')"));
  EXPECT_FALSE(eval_bool("contains(o, 'k')", ctx));      // objects: never
  EXPECT_FALSE(eval_bool("contains('Array', a)", ctx));  // non-primitive item
}

TEST(ExprStartsEndsWith, IgnoreCase) {
  EXPECT_TRUE(eval_bool("startsWith('refs/heads/main', 'REFS/heads/')"));
  EXPECT_FALSE(eval_bool("startsWith('refs/heads/main', 'heads')"));
  EXPECT_TRUE(eval_bool("endsWith('release-1.0-RC', '-rc')"));
  EXPECT_FALSE(eval_bool("endsWith('a', 'ba')"));
  EXPECT_TRUE(eval_bool("startsWith(123, 12)"));
  EXPECT_FALSE(eval_bool("startsWith(fromJSON('[1]'), '')"));  // non-primitive: false
  EXPECT_TRUE(eval_bool("endsWith('x', '')"));
}

TEST(ExprFormat, ReplacesArguments) {
  EXPECT_EQ(eval("format('Hello {0} {1} {2}', 'Mona', 'the', 'Octocat')").as_string(),
            "Hello Mona the Octocat");
  EXPECT_EQ(eval("format('{1}-{0}-{1}', 'a', 'b')").as_string(), "b-a-b");
  EXPECT_EQ(eval("format('{0}', null)").as_string(), "");
  EXPECT_EQ(eval("format('{0} {1} {2}', true, 1.5, 1e2)").as_string(), "true 1.5 100");
  EXPECT_EQ(eval("format('no placeholders')").as_string(), "no placeholders");
  EXPECT_EQ(eval("format('{0}', fromJSON('[1]'))").as_string(), "Array");
}

TEST(ExprFormat, DoubledBracesEscape) {
  EXPECT_EQ(eval("format('{{Hello {0}!}}', 'Mona')").as_string(), "{Hello Mona!}");
  EXPECT_EQ(eval("format('{{{0}}}', 'x')").as_string(), "{x}");
  EXPECT_EQ(eval("format('{{0}}', 'x')").as_string(), "{0}");
}

TEST(ExprFormat, InvalidFormatStrings) {
  for (const char* bad : {"format('{', 1)", "format('}', 1)", "format('{0', 1)", "format('{x}', 1)",
                          "format('{}', 1)", "format('{0:d}', 1)", "format('a } b', 1)"}) {
    std::string e = eval_error(bad);
    EXPECT_NE(e.find("invalid format string"), std::string::npos) << bad << ": " << e;
  }
}

TEST(ExprFormat, ReferencesMissingArgument) {
  std::string e = eval_error("format('{0} {1}', 'a')");
  EXPECT_NE(e.find("references argument {1} but only 1 were supplied"), std::string::npos) << e;
  EXPECT_NE(eval_error("format('{99999999999999}', 'a')").find("references argument"),
            std::string::npos);
}

TEST(ExprJoin, ArraysWithDefaultAndCustomSeparator) {
  auto ctx = context_from_json(R"({"a":["x","y",3,true,null],"one":["solo"],"empty":[]})");
  EXPECT_EQ(eval("join(a)", ctx).as_string(), "x,y,3,true,");
  EXPECT_EQ(eval("join(a, ' | ')", ctx).as_string(), "x | y | 3 | true | ");
  EXPECT_EQ(eval("join(one, '-')", ctx).as_string(), "solo");
  EXPECT_EQ(eval("join(empty)", ctx).as_string(), "");
  EXPECT_EQ(eval("join(fromJSON('[[1],{}]'))").as_string(), "Array,Object");
}

TEST(ExprJoin, PrimitivesAndOthers) {
  EXPECT_EQ(eval("join('abc')").as_string(), "abc");
  EXPECT_EQ(eval("join(1.5, ';')").as_string(), "1.5");
  EXPECT_EQ(eval("join(fromJSON('{\"a\":1}'))").as_string(), "");
  EXPECT_EQ(eval("join(fromJSON('[1,2]'), fromJSON('[]'))").as_string(),
            "1,2");  // bad separator: default
}

TEST(ExprToJson, PrettyWithTwoSpaces) {
  auto ctx = context_from_json(R"({"o":{"a":1,"b":[true,null],"c":{}}})");
  EXPECT_EQ(eval("toJSON(o)", ctx).as_string(),
            "{\n  \"a\": 1,\n  \"b\": [\n    true,\n    null\n  ],\n  \"c\": {}\n}");
  EXPECT_EQ(eval("toJSON('it''s')").as_string(), "\"it's\"");
  EXPECT_EQ(eval("toJSON(1.5)").as_string(), "1.5");
  EXPECT_EQ(eval("toJSON(null)").as_string(), "null");
  EXPECT_EQ(eval("toJSON(fromJSON('[]'))").as_string(), "[]");
}

TEST(ExprFromJson, ParsesAnyJsonValue) {
  EXPECT_EQ(eval_json("fromJSON('{\"include\":[{\"os\":\"linux\"}]}').include[0].os"), "\"linux\"");
  EXPECT_EQ(eval("fromJSON('42')").as_number(), 42);
  EXPECT_TRUE(eval("fromJSON('true')").as_bool());
  EXPECT_TRUE(eval("fromJSON('null')").is_null());
  EXPECT_EQ(eval("fromJSON(' \"s\" ')").as_string(), "s");
  auto ctx = context_from_json(R"({"needs":{"setup":{"outputs":{"matrix":"[1,2,3]"}}}})");
  EXPECT_EQ(eval_json("fromJSON(needs.setup.outputs.matrix)", ctx), "[1,2,3]");
}

TEST(ExprFromJson, InvalidJsonIsAnErrorNamingTheExpression) {
  std::string e = eval_error("fromJSON('{not json}')");
  EXPECT_EQ(e.rfind("fromJSON(): invalid JSON", 0), 0u) << e;
  EXPECT_NE(e.find("in 'fromJSON('{not json}')' at column 1"), std::string::npos) << e;
  EXPECT_NE(eval_error("fromJSON('')").find("empty string"), std::string::npos);
  EXPECT_NE(eval_error("fromJSON(null)").find("empty string"), std::string::npos);
  // Regression (found by the fuzzer): an out-of-range number used to abort the process.
  EXPECT_NE(eval_error("fromJSON('[15e314]')").find("out of range"), std::string::npos);
  EXPECT_NE(eval_error("fromJSON('{\"a\":-1e999}')").find("out of range"), std::string::npos);
  std::string deep(300, '[');
  EXPECT_NE(eval_error("fromJSON('" + deep + "')").find("deeper than"), std::string::npos);
}

TEST(ExprStatusFunctions, ReadTheStatus) {
  EvalContext ok;
  EXPECT_TRUE(eval_bool("success()", ok));
  EXPECT_FALSE(eval_bool("failure()", ok));
  EXPECT_FALSE(eval_bool("cancelled()", ok));
  EXPECT_TRUE(eval_bool("always()", ok));

  EvalContext failed;
  failed.status.failed = true;
  EXPECT_FALSE(eval_bool("success()", failed));
  EXPECT_TRUE(eval_bool("failure()", failed));
  EXPECT_FALSE(eval_bool("cancelled()", failed));
  EXPECT_TRUE(eval_bool("always()", failed));

  // Cancellation wins, as GitHub's single job status does: failure() turns false.
  EvalContext cancelled;
  cancelled.status.cancelled = true;
  cancelled.status.failed = true;
  EXPECT_FALSE(eval_bool("success()", cancelled));
  EXPECT_FALSE(eval_bool("failure()", cancelled));
  EXPECT_TRUE(eval_bool("cancelled()", cancelled));
  EXPECT_TRUE(eval_bool("!cancelled() || always()", cancelled));
}

TEST(ExprCase, FirstTruePredicateWins) {
  auto ctx = context_from_json(R"({"github":{"ref":"refs/heads/main"}})");
  EXPECT_EQ(eval("case(github.ref == 'refs/heads/main', 'prod', github.ref == 'refs/heads/dev', "
                 "'dev', 'test')",
                 ctx)
                .as_string(),
            "prod");
  EXPECT_EQ(eval("case(false, 1, true, 2, 3)").as_number(), 2);
  EXPECT_EQ(eval("case(false, 1, 3)").as_number(), 3);
  // Values after the chosen one are not evaluated.
  EXPECT_EQ(eval("case(true, 'x', fromJSON('{'))").as_string(), "x");
}

TEST(ExprCase, PredicatesMustBeBooleans) {
  std::string e = eval_error("case('yes', 1, 2)");
  EXPECT_NE(e.find("case() predicate must be a boolean, got string"), std::string::npos) << e;
  EXPECT_NE(e.find("at column 6"), std::string::npos) << e;
}

TEST(ExprHashFiles, NeedsAWorkspace) {
  EXPECT_NE(eval_error("hashFiles('**')").find("not available"), std::string::npos);
}

}  // namespace
}  // namespace sluice::expr
