// Evaluation semantics from GitHub's documentation: coercion for comparisons, operators,
// truthiness, property access, indexes and object filters.
#include <gtest/gtest.h>

#include <string>

#include "expr/expression.h"
#include "expr_test_util.h"

namespace sluice::expr {
namespace {

using testing::context_from_json;
using testing::eval;
using testing::eval_bool;
using testing::eval_json;

// GitHub docs, "Operators": if types differ, both sides are coerced to numbers:
// null -> 0, true -> 1, false -> 0, string -> parsed JSON number (or NaN), '' -> 0,
// array/object -> NaN.
TEST(ExprEquality, CoercionTable) {
  EXPECT_TRUE(eval_bool("null == 0"));
  EXPECT_TRUE(eval_bool("null == false"));
  EXPECT_TRUE(eval_bool("true == 1"));
  EXPECT_TRUE(eval_bool("false == 0"));
  EXPECT_FALSE(eval_bool("true == 2"));
  EXPECT_TRUE(eval_bool("'1' == 1"));
  EXPECT_TRUE(eval_bool("' 1.5 ' == 1.5"));
  EXPECT_TRUE(eval_bool("'' == 0"));
  EXPECT_TRUE(eval_bool("'' == false"));
  EXPECT_TRUE(eval_bool("'' == null"));
  EXPECT_TRUE(eval_bool("'0x10' == 16"));
  EXPECT_TRUE(eval_bool("'1e2' == 100"));
  EXPECT_TRUE(eval_bool("'true' != true"));  // 'true' is NaN as a number
  EXPECT_FALSE(eval_bool("'abc' == 0"));
  EXPECT_TRUE(eval_bool("'1' == true"));
  EXPECT_FALSE(eval_bool("'null' == null"));
}

TEST(ExprEquality, SameKind) {
  EXPECT_TRUE(eval_bool("null == null"));
  EXPECT_TRUE(eval_bool("'abc' == 'ABC'"));  // strings compare ignoring case
  EXPECT_FALSE(eval_bool("'abc' == 'abd'"));
  EXPECT_TRUE(eval_bool("-0 == 0"));
  EXPECT_TRUE(eval_bool("0xff == 255"));
  EXPECT_TRUE(eval_bool("true == true"));
  EXPECT_FALSE(eval_bool("true == false"));
}

TEST(ExprEquality, NaNIsNeverEqual) {
  EXPECT_FALSE(eval_bool("NaN == NaN"));
  EXPECT_TRUE(eval_bool("NaN != NaN"));
  EXPECT_FALSE(eval_bool("'abc' == NaN"));
}

TEST(ExprEquality, ArraysAndObjectsCompareByIdentity) {
  auto ctx = context_from_json(R"({"github":{"event":{"labels":[1],"obj":{}}}})");
  EXPECT_TRUE(eval_bool("github.event.labels == github.event.labels", ctx));
  EXPECT_TRUE(eval_bool("github.event.obj == github.event.obj", ctx));
  EXPECT_FALSE(eval_bool("fromJSON('[]') == fromJSON('[]')"));
  EXPECT_FALSE(eval_bool("github.event.labels == github.event.obj", ctx));
  EXPECT_FALSE(eval_bool("github.event.obj == 'Object'", ctx));
  EXPECT_FALSE(eval_bool("github.event.labels == 0", ctx));
  EXPECT_TRUE(eval_bool("github.event.labels != 0", ctx));
}

TEST(ExprRelational, Numbers) {
  EXPECT_TRUE(eval_bool("1 < 2"));
  EXPECT_TRUE(eval_bool("2 <= 2"));
  EXPECT_TRUE(eval_bool("3 > 2.5"));
  EXPECT_TRUE(eval_bool("-1 >= -1"));
  EXPECT_FALSE(eval_bool("2 < 1"));
}

TEST(ExprRelational, CoercedOperands) {
  EXPECT_TRUE(eval_bool("null < 1"));
  EXPECT_TRUE(eval_bool("false < true"));
  EXPECT_TRUE(eval_bool("true > false"));
  EXPECT_TRUE(eval_bool("'10' > 9"));
  EXPECT_TRUE(eval_bool("'' <= 0"));
}

TEST(ExprRelational, StringsIgnoreCaseOrdinally) {
  EXPECT_TRUE(eval_bool("'a' < 'B'"));
  EXPECT_TRUE(eval_bool("'B' > 'a'"));
  EXPECT_TRUE(eval_bool("'abc' <= 'ABC'"));
  EXPECT_TRUE(eval_bool("'abc' >= 'ABC'"));
  EXPECT_TRUE(eval_bool("'ab' < 'abc'"));
  EXPECT_TRUE(eval_bool("'10' < '9'"));  // both strings: no numeric coercion
  // Upper-casing puts '_' after the letters, as .NET's OrdinalIgnoreCase does.
  EXPECT_TRUE(eval_bool("'_' > 'a'"));
}

TEST(ExprRelational, NaNAndContainersAreUnordered) {
  auto ctx = context_from_json(R"({"a":[1],"o":{}})");
  EXPECT_FALSE(eval_bool("NaN < 1"));
  EXPECT_FALSE(eval_bool("NaN >= NaN"));
  EXPECT_FALSE(eval_bool("'abc' < 1"));
  EXPECT_FALSE(eval_bool("'abc' > 1"));
  EXPECT_FALSE(eval_bool("a < 1", ctx));
  EXPECT_FALSE(eval_bool("a > 1", ctx));
  EXPECT_TRUE(eval_bool("o <= o", ctx));
  EXPECT_FALSE(eval_bool("o < o", ctx));
}

TEST(ExprNot, UsesTruthiness) {
  // Falsy: false, 0, -0, NaN, '', null. Everything else (incl. 'false', '0', [] and {}) is truthy.
  EXPECT_TRUE(eval_bool("!false"));
  EXPECT_TRUE(eval_bool("!0"));
  EXPECT_TRUE(eval_bool("!-0"));
  EXPECT_TRUE(eval_bool("!NaN"));
  EXPECT_TRUE(eval_bool("!''"));
  EXPECT_TRUE(eval_bool("!null"));
  EXPECT_FALSE(eval_bool("!'false'"));
  EXPECT_FALSE(eval_bool("!'0'"));
  EXPECT_FALSE(eval_bool("!fromJSON('[]')"));
  EXPECT_FALSE(eval_bool("!fromJSON('{}')"));
  EXPECT_TRUE(eval_bool("!!'x'"));
}

TEST(ExprLogical, ReturnsOperandValues) {
  auto ctx = context_from_json(R"({"github":{"head_ref":"","run_id":"1234"}})");
  EXPECT_EQ(eval("github.head_ref || github.run_id", ctx).as_string(), "1234");
  EXPECT_EQ(eval_json("'a' && 'b'"), "\"b\"");
  EXPECT_EQ(eval_json("'' && 'b'"), "\"\"");
  EXPECT_EQ(eval_json("0 || null"), "null");
  EXPECT_EQ(eval_json("0 || 'fallback'"), "\"fallback\"");
  EXPECT_EQ(eval_json("'first' || 'second'"), "\"first\"");
  EXPECT_EQ(eval_json("1 && 2 && 3"), "3");
  EXPECT_EQ(eval_json("1 && 0 && 3"), "0");
}

TEST(ExprLogical, ShortCircuits) {
  // The right side would fail if evaluated (invalid JSON).
  EXPECT_EQ(eval_json("false && fromJSON('{')"), "false");
  EXPECT_EQ(eval_json("true || fromJSON('{')"), "true");
  EXPECT_NE(testing::eval_error("true && fromJSON('{')"), "<no error>");
}

TEST(ExprContexts, AbsentContextsAndMembersAreNull) {
  auto ctx = context_from_json(R"({"github":{"event":{"number":5}}})");
  EXPECT_TRUE(eval("inputs", ctx).is_null());
  EXPECT_TRUE(eval("inputs.name", ctx).is_null());
  EXPECT_TRUE(eval("github.nothing.deeper.still", ctx).is_null());
  EXPECT_TRUE(eval("github.event.number.x", ctx).is_null());  // member of a number
  EXPECT_EQ(eval("github.event.number", ctx).as_number(), 5);
}

TEST(ExprContexts, NamesAndMembersIgnoreCase) {
  auto ctx = context_from_json(R"({"github":{"Event_Name":"push"}})");
  EXPECT_EQ(eval("GITHUB.event_name", ctx).as_string(), "push");
  EXPECT_EQ(eval("github['EVENT_NAME']", ctx).as_string(), "push");
}

// Every context GitHub defines reads from EvalContext::contexts with its usual paths.
TEST(ExprContexts, EveryGitHubContext) {
  auto ctx = context_from_json(R"({
    "github": {"ref_name": "main", "event": {"inputs": {"level": "3"}}},
    "env": {"CI": "true"},
    "vars": {"REGION": "eu"},
    "job": {"status": "success"},
    "jobs": {"build": {"result": "failure", "outputs": {"v": "1.2"}}},
    "steps": {"s1": {"outcome": "failure", "conclusion": "success", "outputs": {"x": "y"}}},
    "runner": {"os": "Linux", "arch": "X64"},
    "secrets": {"TOKEN": "t0k"},
    "strategy": {"fail-fast": true, "job-index": 1, "job-total": 4},
    "matrix": {"os": "ubuntu-latest", "node": 20},
    "needs": {"setup": {"result": "success", "outputs": {"list": "[1]"}}},
    "inputs": {"dry-run": false, "count": 2}
  })");
  EXPECT_EQ(eval("github.ref_name", ctx).as_string(), "main");
  EXPECT_TRUE(eval_bool("github.event.inputs.level == 3", ctx));
  EXPECT_TRUE(eval_bool("env.CI == 'TRUE'", ctx));
  EXPECT_EQ(eval("vars.REGION", ctx).as_string(), "eu");
  EXPECT_EQ(eval("job.status", ctx).as_string(), "success");
  EXPECT_EQ(eval("jobs.build.outputs.v", ctx).as_string(), "1.2");
  EXPECT_TRUE(eval_bool("steps.s1.outcome == 'failure' && steps.s1.conclusion == 'success'", ctx));
  EXPECT_TRUE(eval_bool("runner.os == 'linux'", ctx));
  EXPECT_EQ(eval("secrets.TOKEN", ctx).as_string(), "t0k");
  EXPECT_TRUE(eval_bool("strategy.fail-fast && strategy.job-index < strategy.job-total", ctx));
  EXPECT_TRUE(eval_bool("matrix.node >= 18 && startsWith(matrix.os, 'ubuntu')", ctx));
  EXPECT_EQ(eval_json("fromJSON(needs.setup.outputs.list)", ctx), "[1]");
  EXPECT_TRUE(eval_bool("!inputs.dry-run && inputs.count == '2'", ctx));
}

TEST(ExprIndex, ObjectsByStringAndArraysByNumber) {
  auto ctx = context_from_json(R"({"m":{"a b":1,"1":"one"},"arr":[10,20,30]})");
  EXPECT_EQ(eval("m['a b']", ctx).as_number(), 1);
  EXPECT_EQ(eval("m[1]", ctx).as_string(), "one");  // number index converted to a string key
  EXPECT_EQ(eval("arr[0]", ctx).as_number(), 10);
  EXPECT_EQ(eval("arr[2]", ctx).as_number(), 30);
  EXPECT_EQ(eval("arr['1']", ctx).as_number(), 20);       // string index converted to a number
  EXPECT_EQ(eval("arr[1.9]", ctx).as_number(), 20);       // floored
  EXPECT_EQ(eval("arr[m['a b']]", ctx).as_number(), 20);  // computed index
}

TEST(ExprIndex, OutOfRangeAndWrongTypesGiveNull) {
  auto ctx = context_from_json(R"({"arr":[10,20],"s":"text","m":{"a":1}})");
  EXPECT_TRUE(eval("arr[2]", ctx).is_null());
  EXPECT_TRUE(eval("arr[-1]", ctx).is_null());
  EXPECT_TRUE(eval("arr['x']", ctx).is_null());
  EXPECT_TRUE(eval("arr[NaN]", ctx).is_null());
  EXPECT_TRUE(eval("arr[Infinity]", ctx).is_null());
  EXPECT_TRUE(eval("s[0]", ctx).is_null());
  EXPECT_TRUE(eval("m[arr]", ctx).is_null());
  EXPECT_TRUE(eval("null[0]", ctx).is_null());
  EXPECT_TRUE(eval("arr.length", ctx).is_null());
}

TEST(ExprFilter, MapsOverArrayElements) {
  auto ctx = context_from_json(
      R"({"github":{"event":{"issue":{"labels":[{"name":"bug"},{"name":"ui"},{"id":3}]}}}})");
  EXPECT_EQ(eval_json("github.event.issue.labels.*.name", ctx), R"(["bug","ui"])");
  EXPECT_TRUE(eval_bool("contains(github.event.issue.labels.*.name, 'BUG')", ctx));
  EXPECT_FALSE(eval_bool("contains(github.event.issue.labels.*.name, 'docs')", ctx));
  EXPECT_EQ(eval_json("github.event.issue.labels[*].name", ctx), R"(["bug","ui"])");
}

TEST(ExprFilter, MapsOverObjectValues) {
  auto ctx =
      context_from_json(R"({"needs":{"build":{"result":"success"},"test":{"result":"failure"}}})");
  EXPECT_EQ(eval_json("needs.*.result", ctx), R"(["success","failure"])");
  EXPECT_TRUE(eval_bool("contains(needs.*.result, 'failure')", ctx));
}

TEST(ExprFilter, ChainedFiltersAndIndexes) {
  auto ctx = context_from_json(R"({"a":[{"b":[1,2]},{"b":[3]},{"c":1}],"s":"x"})");
  EXPECT_EQ(eval_json("a.*.b", ctx), "[[1,2],[3]]");
  EXPECT_EQ(eval_json("a.*.b.*", ctx), "[1,2,3]");  // flattens one level
  EXPECT_EQ(eval_json("a.*.b[1]", ctx), "[2]");     // index applied to each element
  EXPECT_EQ(eval_json("a.*.b[0]", ctx), "[1,3]");
  EXPECT_EQ(eval_json("(a.*).b", ctx), "[[1,2],[3]]");  // the filter survives parentheses
  EXPECT_EQ(eval_json("a.*.nothing", ctx), "[]");
  EXPECT_EQ(eval_json("s.*", ctx), "[]");  // filtering a non-collection
  EXPECT_EQ(eval_json("missing.*.x", ctx), "[]");
}

TEST(ExprFilter, FunctionResultsArePlainArrays) {
  auto ctx = context_from_json(R"({"a":[[1,2],[3,4]]})");
  EXPECT_EQ(eval_json("a.*[0]", ctx), "[1,3]");
  EXPECT_EQ(eval_json("fromJSON(toJSON(a.*))[0]", ctx), "[1,2]");
}

TEST(ExprEvaluate, ErrorsNameExpressionAndColumn) {
  auto parsed = parse("inputs.x || fromJSON('{oops')");
  ASSERT_TRUE(parsed.ok());
  auto v = evaluate(*parsed, EvalContext{});
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().pos.column, 13);
  EXPECT_NE(v.error().message.find("fromJSON()"), std::string::npos) << v.error().message;
  EXPECT_NE(v.error().message.find("in 'inputs.x || fromJSON('{oops')' at column 13"),
            std::string::npos)
      << v.error().message;
}

TEST(ExprEvaluate, SameExpressionManyContexts) {
  auto parsed = parse("matrix.os == 'ubuntu' && github.event_name != 'pull_request'");
  ASSERT_TRUE(parsed.ok());
  auto a = context_from_json(R"({"matrix":{"os":"Ubuntu"},"github":{"event_name":"push"}})");
  auto b = context_from_json(R"({"matrix":{"os":"macos"},"github":{"event_name":"push"}})");
  EXPECT_TRUE(evaluate(*parsed, a)->as_bool());
  EXPECT_FALSE(evaluate(*parsed, b)->as_bool());
}

}  // namespace
}  // namespace sluice::expr
