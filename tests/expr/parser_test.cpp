// Parsing: literals, operators, precedence, errors with columns, limits.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "expr/ast.h"
#include "expr/expression.h"
#include "expr_test_util.h"

namespace sluice::expr {
namespace {

using testing::eval;
using testing::eval_json;
using testing::parse_error;

TEST(ExprLiterals, NullBooleans) {
  EXPECT_TRUE(eval("null").is_null());
  EXPECT_EQ(eval_json("true"), "true");
  EXPECT_EQ(eval_json("false"), "false");
}

TEST(ExprLiterals, NumbersInJsonHexAndExponentForms) {
  EXPECT_EQ(eval("42").as_number(), 42);
  EXPECT_EQ(eval("-9.5").as_number(), -9.5);
  EXPECT_EQ(eval("0xff").as_number(), 255);
  EXPECT_EQ(eval("1e3").as_number(), 1000);
  EXPECT_EQ(eval("2.5E-1").as_number(), 0.25);
  EXPECT_EQ(eval(".5").as_number(), 0.5);
  EXPECT_EQ(eval("+7").as_number(), 7);
  EXPECT_TRUE(std::isnan(eval("NaN").as_number()));
  EXPECT_TRUE(std::isinf(eval("Infinity").as_number()));
  EXPECT_EQ(eval("-Infinity").as_number(), -INFINITY);
}

TEST(ExprLiterals, InvalidNumbersAreErrors) {
  EXPECT_EQ(parse_error("1.2.3"), "invalid number '1.2.3' at column 1");
  EXPECT_EQ(parse_error("0x"), "invalid number '0x' at column 1");
  EXPECT_EQ(parse_error("0x-1"), "invalid number '0x-1' at column 1");
  EXPECT_EQ(parse_error("1 == 12abc"), "invalid number '12abc' at column 6");
}

TEST(ExprLiterals, SingleQuotedStringsWithDoubledQuoteEscape) {
  EXPECT_EQ(eval("'hello'").as_string(), "hello");
  EXPECT_EQ(eval("'it''s'").as_string(), "it's");
  EXPECT_EQ(eval("''").as_string(), "");
  EXPECT_EQ(eval("''''").as_string(), "'");
  EXPECT_EQ(eval("'}} ${{ x'").as_string(), "}} ${{ x");
}

TEST(ExprLiterals, DoubleQuotesGiveAHint) {
  std::string e = parse_error("github.ref == \"main\"");
  EXPECT_NE(e.find("double-quoted string"), std::string::npos) << e;
  EXPECT_NE(e.find("single quotes"), std::string::npos) << e;
  EXPECT_NE(e.find("at column 15"), std::string::npos) << e;
}

TEST(ExprLiterals, UnterminatedString) {
  EXPECT_EQ(parse_error("format('abc"), "unterminated string (add a closing ') at column 8");
}

TEST(ExprLiterals, KeywordsAreCaseSensitiveLikeGitHub) {
  // `True` is a context name (absent, so null), not a boolean.
  EXPECT_TRUE(eval("True").is_null());
}

TEST(ExprParser, ErrorsCarryOneBasedColumn) {
  auto parsed = parse("github.ref == 'x' )");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().message, "unexpected token ')' at column 19");
  EXPECT_EQ(parsed.error().pos.column, 19);
  EXPECT_TRUE(parsed.error().pos.file.empty());
  EXPECT_EQ(parsed.error().pos.line, 0);
}

TEST(ExprParser, SyntaxErrors) {
  EXPECT_EQ(parse_error(""), "empty expression at column 1");
  EXPECT_EQ(parse_error("   "), "empty expression at column 1");
  EXPECT_EQ(parse_error("a &&"),
            "unexpected end of expression (an operand is missing) at column 5");
  EXPECT_EQ(parse_error("a = b"), "unexpected '=' (did you mean '=='?) at column 3");
  EXPECT_EQ(parse_error("a & b"), "unexpected '&' (did you mean '&&'?) at column 3");
  EXPECT_EQ(parse_error("a | b"), "unexpected '|' (did you mean '||'?) at column 3");
  EXPECT_EQ(parse_error("(a"),
            "expected ')' to close '(' from column 1, found end of expression at column 3");
  EXPECT_EQ(parse_error("a[0"),
            "expected ']' to close '[' from column 2, found end of expression at column 4");
  EXPECT_EQ(parse_error("a."),
            "expected a property name or '*' after '.', found end of expression at column 3");
  EXPECT_EQ(parse_error("a.1"),
            "expected a property name or '*' after '.', found token '1' at column 3");
  EXPECT_EQ(parse_error("a b"), "unexpected token 'b' at column 3");
  EXPECT_EQ(parse_error("$x"), "unexpected symbol '$x' at column 1");
  EXPECT_EQ(parse_error("*"), "unexpected token '*' at column 1");
  EXPECT_EQ(parse_error("contains(a b)"),
            "expected ',' or ')' in the arguments of contains(), found token 'b' at column 12");
}

TEST(ExprParser, PropertyDereferenceAfterLiteralIsRejected) {
  // As on GitHub, '.' directly after a string starts a number token.
  EXPECT_EQ(parse_error("'abc'.length"), "invalid number '.length' at column 6");
}

TEST(ExprParser, IdentifiersMayContainDashesAndUnderscores) {
  auto ctx = testing::context_from_json(R"({"steps":{"my-step_1":{"outputs":{"out-put":"v"}}}})");
  EXPECT_EQ(eval("steps.my-step_1.outputs.out-put", ctx).as_string(), "v");
}

TEST(ExprParser, KeywordsAreMemberNamesAfterDot) {
  auto ctx = testing::context_from_json(R"({"inputs":{"true":1,"null":2}})");
  EXPECT_EQ(eval("inputs.true", ctx).as_number(), 1);
  EXPECT_EQ(eval("inputs.null", ctx).as_number(), 2);
}

TEST(ExprParser, FunctionNamesAreCaseInsensitive) {
  EXPECT_TRUE(eval("CONTAINS('abc', 'b')").as_bool());
  EXPECT_TRUE(eval("startswith('abc', 'a')").as_bool());
  EXPECT_EQ(eval("tojson(1)").as_string(), "1");
}

TEST(ExprParser, UnknownFunction) {
  std::string e = parse_error("lower('A')");
  EXPECT_EQ(e.rfind("unknown function 'lower'", 0), 0u) << e;
  EXPECT_NE(e.find("at column 1"), std::string::npos);
}

TEST(ExprParser, ArityIsCheckedAtParseTime) {
  EXPECT_EQ(parse_error("contains('a')"), "contains() takes 2 arguments, got 1 at column 1");
  EXPECT_EQ(parse_error("x || startsWith('a', 'b', 'c')"),
            "startsWith() takes 2 arguments, got 3 at column 6");
  EXPECT_EQ(parse_error("join()"), "join() takes 1 or 2 arguments, got 0 at column 1");
  EXPECT_EQ(parse_error("format()"), "format() takes at least 1 argument, got 0 at column 1");
  EXPECT_EQ(parse_error("success(1)"), "success() takes 0 arguments, got 1 at column 1");
  EXPECT_EQ(parse_error("toJSON()"), "toJSON() takes 1 argument, got 0 at column 1");
  EXPECT_EQ(parse_error("hashFiles()"), "hashFiles() takes at least 1 argument, got 0 at column 1");
  EXPECT_NE(parse_error("case(true, 1, false, 2)").find("odd number of arguments"),
            std::string::npos);
}

TEST(ExprParser, StatusFunctionUseIsRecorded) {
  EXPECT_TRUE(parse("failure() && x")->uses_status_function);
  EXPECT_TRUE(parse("!cancelled()")->uses_status_function);
  EXPECT_TRUE(parse("ALWAYS()")->uses_status_function);
  EXPECT_FALSE(parse("contains(a, 'b')")->uses_status_function);
}

TEST(ExprParser, PrecedenceFollowsGitHub) {
  // ! binds tighter than comparison, comparison tighter than ==, == tighter than &&, && than ||.
  EXPECT_EQ(eval_json("!false == true"), "true");  // (!false) == true
  EXPECT_EQ(eval_json("1 < 2 == true"), "true");   // (1 < 2) == true
  EXPECT_EQ(eval_json("true || false && false"), "true");
  EXPECT_EQ(eval_json("(true || false) && false"), "false");
  EXPECT_EQ(eval_json("false && true || 'x'"), "\"x\"");
  EXPECT_EQ(eval_json("!(1 == 1)"), "false");
}

TEST(ExprParser, LogicalChainsAreFlat) {
  // 2000 operands in one && chain stay one level deep, so they are within the depth limit.
  std::string text = "a";
  for (int i = 0; i < 2000; ++i) text += " && a";
  auto parsed = parse(text);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(parsed->root->kind, NodeKind::kAnd);
  EXPECT_EQ(parsed->root->children.size(), 2001u);
  EXPECT_EQ(parsed->root->height, 2);
}

TEST(ExprLimits, TooLong) {
  std::string text(kMaxExpressionLength + 1, ' ');
  text[0] = '1';
  auto parsed = parse(text);
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(parsed.error().message.find("the limit is 65536"), std::string::npos);
  EXPECT_TRUE(parse(std::string(kMaxExpressionLength - 1, ' ') + "1").ok());
}

TEST(ExprLimits, TooDeepParentheses) {
  std::string ok =
      std::string(kMaxExpressionDepth - 1, '(') + "1" + std::string(kMaxExpressionDepth - 1, ')');
  EXPECT_TRUE(parse(ok).ok());
  std::string deep =
      std::string(kMaxExpressionDepth + 1, '(') + "1" + std::string(kMaxExpressionDepth + 1, ')');
  std::string e = parse_error(deep);
  EXPECT_NE(e.find("nested too deeply"), std::string::npos) << e;
}

TEST(ExprLimits, HugeNestingNeverCrashes) {
  // Far beyond the limit: must fail cleanly, not overflow the stack.
  for (std::string open : {"(", "!", "a[", "format("}) {
    std::string text;
    while (text.size() < kMaxExpressionLength - 10) text += open;
    EXPECT_NE(parse_error(text).find("nested too deeply"), std::string::npos) << open;
  }
}

TEST(ExprLimits, TooDeepOperatorChains) {
  std::string text = "a";
  for (int i = 0; i < kMaxExpressionDepth + 5; ++i) text += " == a";
  EXPECT_NE(parse_error(text).find("nested too deeply"), std::string::npos);
  std::string members = "a";
  for (int i = 0; i < kMaxExpressionDepth + 5; ++i) members += ".b";
  EXPECT_NE(parse_error(members).find("nested too deeply"), std::string::npos);
}

}  // namespace
}  // namespace sluice::expr
