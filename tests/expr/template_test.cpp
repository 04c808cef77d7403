// Templates (`${{ }}` inside text), `if:` conditions and referenced_paths.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "expr/expression.h"
#include "expr_test_util.h"

namespace sluice::expr {
namespace {

using testing::context_from_json;

Value render(const std::string& text, const EvalContext& ctx = EvalContext{}) {
  auto v = evaluate_string(text, ctx);
  if (!v) {
    ADD_FAILURE() << text << ": " << v.error().message;
    return Value();
  }
  return *v;
}

bool condition(const std::string& text, const EvalContext& ctx = EvalContext{}) {
  auto parsed = parse_condition(text);
  if (!parsed) {
    ADD_FAILURE() << text << ": " << parsed.error().message;
    return false;
  }
  auto v = evaluate_condition(*parsed, ctx);
  if (!v) {
    ADD_FAILURE() << text << ": " << v.error().message;
    return false;
  }
  return *v;
}

TEST(ExprTemplate, SplitsLiteralAndExpressionParts) {
  auto t = parse_template("Hello ${{ github.actor }}, run ${{github.run_id}}!");
  ASSERT_TRUE(t.ok());
  ASSERT_EQ(t->parts.size(), 5u);
  EXPECT_EQ(t->parts[0].literal, "Hello ");
  EXPECT_EQ(t->parts[0].column, 1);
  EXPECT_TRUE(t->parts[1].is_expression);
  EXPECT_EQ(t->parts[1].expression.text, "github.actor");
  EXPECT_EQ(t->parts[1].column, 7);
  EXPECT_EQ(t->parts[2].literal, ", run ");
  EXPECT_EQ(t->parts[3].expression.text, "github.run_id");
  EXPECT_EQ(t->parts[4].literal, "!");
  EXPECT_TRUE(t->has_expressions());
}

TEST(ExprTemplate, PlainTextHasNoExpressions) {
  auto t = parse_template("echo {{ not an expression }} $HOME");
  ASSERT_TRUE(t.ok());
  EXPECT_FALSE(t->has_expressions());
  EXPECT_EQ(render("echo {{ x }} $HOME").as_string(), "echo {{ x }} $HOME");
  EXPECT_EQ(render("").as_string(), "");
}

TEST(ExprTemplate, ClosingBracesInsideStringsDoNotEndTheExpression) {
  auto t = parse_template("${{ format('{0}}}', 'a') }} and ${{ 'it''s }}' }}");
  ASSERT_TRUE(t.ok()) << t.error().message;
  ASSERT_EQ(t->parts.size(), 3u);
  EXPECT_EQ(render("${{ format('{{{0}}}', 'a') }}!").as_string(), "{a}!");
  EXPECT_EQ(render("x${{ 'it''s }}' }}y").as_string(), "xit's }}y");
}

TEST(ExprTemplate, WholeExpressionKeepsItsType) {
  auto ctx = context_from_json(R"({"inputs":{"n":30,"list":"[1,2]"}})");
  Value n = render("${{ inputs.n }}", ctx);
  ASSERT_TRUE(n.is_number());
  EXPECT_EQ(n.as_number(), 30);
  Value list = render("  ${{ fromJSON(inputs.list) }}\n", ctx);
  ASSERT_TRUE(list.is_array());
  EXPECT_EQ(list.as_array().size(), 2u);
  EXPECT_TRUE(render("${{ true }}").is_bool());
  EXPECT_TRUE(render("${{ null }}").is_null());
}

TEST(ExprTemplate, MixedTextConcatenatesStrings) {
  auto ctx = context_from_json(R"({"inputs":{"n":30,"o":{}},"matrix":{"v":1.5}})");
  EXPECT_EQ(render("timeout ${{ inputs.n }}m", ctx).as_string(), "timeout 30m");
  EXPECT_EQ(render("${{ inputs.n }}${{ matrix.v }}", ctx).as_string(), "301.5");
  EXPECT_EQ(render("[${{ null }}] [${{ true }}] [${{ inputs.o }}]", ctx).as_string(),
            "[] [true] [Object]");
  EXPECT_EQ(render("a\n${{ 1 }}\nb").as_string(), "a\n1\nb");
}

TEST(ExprTemplate, NumbersPrintLikeGitHub) {
  EXPECT_EQ(render("v${{ 1.0 }}").as_string(), "v1");
  EXPECT_EQ(render("v${{ 0.1 }}").as_string(), "v0.1");
  EXPECT_EQ(render("v${{ -0 }}").as_string(), "v0");
  EXPECT_EQ(render("v${{ 0xff }}").as_string(), "v255");
  EXPECT_EQ(render("v${{ 1e3 }}").as_string(), "v1000");
  EXPECT_EQ(render("v${{ 1.5e-3 }}").as_string(), "v0.0015");
}

TEST(ExprTemplate, Errors) {
  auto unclosed = parse_template("echo ${{ github.sha");
  ASSERT_FALSE(unclosed.ok());
  EXPECT_EQ(unclosed.error().message, "'${{' is not closed by '}}' at column 6");
  EXPECT_EQ(unclosed.error().pos.column, 6);
  auto open_string = parse_template("${{ format('{0} }}, x) }}");
  ASSERT_FALSE(open_string.ok());
  EXPECT_NE(open_string.error().message.find("string literal inside it is not closed"),
            std::string::npos);

  auto empty = parse_template("x ${{   }} y");
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.error().message.find("empty"), std::string::npos);

  // Columns of errors inside an expression are re-based on the whole string.
  auto bad = parse_template("run: ${{ a == }}");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message,
            "unexpected end of expression (an operand is missing) at column 14");
  EXPECT_EQ(bad.error().pos.column, 14);

  auto eval_error = evaluate_string("v=${{ fromJSON('x') }}", EvalContext{});
  ASSERT_FALSE(eval_error.ok());
  EXPECT_NE(eval_error.error().message.find("fromJSON()"), std::string::npos);
}

TEST(ExprTemplate, EvaluationErrorColumnsAreInTheWholeString) {
  // As for syntax errors, so that callers can map the column to a place in the file; the
  // message keeps the column in the quoted expression.
  auto mixed = evaluate_string("v=${{ fromJSON('x') }}", EvalContext{});
  ASSERT_FALSE(mixed.ok());
  EXPECT_EQ(mixed.error().pos.column, 7);
  auto only = evaluate_string("  ${{   fromJSON('x') }}", EvalContext{});
  ASSERT_FALSE(only.ok());
  EXPECT_EQ(only.error().pos.column, 9);
  auto second_line = evaluate_string("a\nb ${{ 1 }} ${{ fromJSON('') }}", EvalContext{});
  ASSERT_FALSE(second_line.ok());
  EXPECT_EQ(second_line.error().pos.column, 18);
}

TEST(ExprCondition, EvaluationErrorColumnsAreInTheWholeCondition) {
  for (auto [text, column] :
       {std::pair{"  fromJSON('x')", 3}, std::pair{" ${{ fromJSON('x') }}", 6}}) {
    auto parsed = parse_condition(text);
    ASSERT_TRUE(parsed.ok()) << text;
    auto v = evaluate_condition(*parsed, EvalContext{});
    ASSERT_FALSE(v.ok()) << text;
    EXPECT_EQ(v.error().pos.column, column) << text;
  }
}

TEST(ExprCondition, MayOmitTheBraces) {
  auto ctx = context_from_json(R"({"github":{"ref":"refs/heads/main"}})");
  EXPECT_TRUE(condition("github.ref == 'refs/heads/main'", ctx));
  EXPECT_TRUE(condition("${{ github.ref == 'refs/heads/main' }}", ctx));
  EXPECT_TRUE(condition("  ${{ github.ref == 'refs/heads/main' }}  ", ctx));
  EXPECT_FALSE(condition("github.ref == 'refs/heads/dev'", ctx));
}

TEST(ExprCondition, EmptyMeansSuccess) {
  EXPECT_TRUE(condition(""));
  EvalContext failed;
  failed.status.failed = true;
  EXPECT_FALSE(condition("", failed));
  EXPECT_FALSE(condition("   ", failed));
}

TEST(ExprCondition, WithoutStatusFunctionImpliesSuccess) {
  EvalContext failed;
  failed.status.failed = true;
  EXPECT_FALSE(condition("true", failed));  // success() && (true)
  EXPECT_FALSE(condition("${{ true }}", failed));
  EXPECT_TRUE(condition("true", EvalContext{}));
  EXPECT_FALSE(condition("false", EvalContext{}));
  auto parsed = parse_condition("true");
  ASSERT_TRUE(parsed.ok());
  EXPECT_FALSE(parsed->uses_status_function);
  // The implied success() keeps && semantics: the user's value decides when success() holds.
  EXPECT_FALSE(condition("0", EvalContext{}));
  EXPECT_TRUE(condition("'x'", EvalContext{}));
}

TEST(ExprCondition, StatusFunctionsReplaceTheImpliedSuccess) {
  EvalContext failed;
  failed.status.failed = true;
  EXPECT_TRUE(condition("failure()", failed));
  EXPECT_TRUE(condition("always()", failed));
  EXPECT_TRUE(condition("${{ always() && true }}", failed));
  EXPECT_TRUE(condition("!cancelled()", failed));
  EXPECT_FALSE(condition("success()", failed));
  auto parsed = parse_condition("failure() || github.ref == 'x'");
  ASSERT_TRUE(parsed.ok());
  EXPECT_TRUE(parsed->uses_status_function);
}

TEST(ExprCondition, MixedTextIsANonEmptyStringAndSoAlwaysTrue) {
  // GitHub's documented footgun: `${{ false }} || ${{ false }}` is the string "false || false".
  EXPECT_TRUE(condition("${{ false }} || ${{ false }}"));
  EvalContext failed;
  failed.status.failed = true;
  EXPECT_FALSE(condition("${{ false }} || ${{ false }}", failed));  // still behind success()
}

TEST(ExprCondition, SyntaxErrorsHaveColumns) {
  auto parsed = parse_condition("github.ref == ");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().pos.column, 14);
  auto indented = parse_condition("   a ==");
  ASSERT_FALSE(indented.ok());
  EXPECT_EQ(indented.error().message,
            "unexpected end of expression (an operand is missing) at column 8");
  auto braced = parse_condition("  ${{ a == }}");
  ASSERT_FALSE(braced.ok());
  EXPECT_EQ(braced.error().pos.column, 11);
  EXPECT_NE(braced.error().message.find("at column 11"), std::string::npos)
      << braced.error().message;
}

std::vector<std::string> paths(const std::string& text) {
  auto parsed = parse(text);
  if (!parsed) {
    ADD_FAILURE() << parsed.error().message;
    return {};
  }
  return referenced_paths(*parsed);
}

TEST(ExprReferencedPaths, ConstantMemberChains) {
  using V = std::vector<std::string>;
  EXPECT_EQ(paths("inputs.name"), V{"inputs.name"});
  EXPECT_EQ(paths("needs.build.outputs.version == matrix.os"),
            (V{"needs.build.outputs.version", "matrix.os"}));
  EXPECT_EQ(paths("steps.s1.outputs.x && steps['s2'].outputs['y']"),
            (V{"steps.s1.outputs.x", "steps.s2.outputs.y"}));
  EXPECT_EQ(paths("github"), V{"github"});
  EXPECT_EQ(paths("'literal' == 1"), V{});
}

TEST(ExprReferencedPaths, StopAtTheFirstNonConstantIndex) {
  using V = std::vector<std::string>;
  EXPECT_EQ(paths("steps[inputs.id].outputs.x"), (V{"steps", "inputs.id"}));
  EXPECT_EQ(paths("matrix.include[0].os"), V{"matrix.include"});
  EXPECT_EQ(paths("needs.*.result"), V{"needs"});
  EXPECT_EQ(paths("github.event.labels.*.name"), V{"github.event.labels"});
}

TEST(ExprReferencedPaths, InsideFunctionsConditionsAndDeduplicated) {
  using V = std::vector<std::string>;
  EXPECT_EQ(paths("contains(fromJSON(inputs.list).x, matrix.os) || matrix.os"),
            (V{"inputs.list", "matrix.os"}));
  auto condition_expr = parse_condition("${{ inputs.a }} and ${{ needs.b.result }}");
  ASSERT_TRUE(condition_expr.ok());
  EXPECT_EQ(referenced_paths(*condition_expr), (V{"inputs.a", "needs.b.result"}));
}

}  // namespace
}  // namespace sluice::expr
