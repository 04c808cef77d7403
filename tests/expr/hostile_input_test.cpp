// Hostile inputs through every entry point the fuzz target exercises: each must return
// (a value or an error), never crash or hang. Includes inputs the fuzzer found.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "expr/expression.h"

namespace sluice::expr {
namespace {

void run_all(const std::string& text) {
  EvalContext context;
  if (auto e = parse(text); e.ok()) {
    (void)evaluate(*e, context);
    (void)referenced_paths(*e);
  }
  (void)evaluate_string(text, context);
  if (auto c = parse_condition(text); c.ok()) (void)evaluate_condition(*c, context);
}

TEST(ExprHostileInput, FuzzerFindingsAndEdgeCases) {
  std::vector<std::string> inputs = {
      // fuzzer: fromJSON with a number overflowing a double aborted the process
      std::string("format('{;z0}\0{{x}}\xff\xff\xff\xff\xff\xff\xff\xff', "
                  "fromJSON('15e314e3,a}]')[1].atrue)",
                  64),
      "fromJSON('1e400')",
      "${{",
      "}}${{}}${{ }}",
      "${{ '",
      "''''''''",
      "a.*.*.*.*[*][*]",
      "format('{0}{0}{0}{0}', format('{0}{0}{0}{0}', 'x'))",
      "join(fromJSON('[[[[]]]]'), fromJSON('{}'))",
      "toJSON(fromJSON('{\"a\":[1,{\"b\":null}]}'))",
      "case(true, case(false, 1, 2), 3)",
      "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
      "!!!!!!!!!!x",
      std::string(1000, '[') + std::string(1000, ']'),
      std::string(3000, '('),
      "0x" + std::string(500, 'f'),
      std::string(5000, '9'),
      std::string("\0\0\0", 3),
      "contains(" + std::string(10000, 'a') + ", 'a')",
  };
  for (const auto& text : inputs) run_all(text);
  SUCCEED();
}

TEST(ExprHostileInput, FormatOutputIsBounded) {
  // 16 nested levels of x4 would be 4^16 characters; the result limit stops it with an error.
  std::string text = "'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'";
  for (int i = 0; i < 16; ++i) text = "format('{0}{0}{0}{0}', " + text + ")";
  auto parsed = parse(text);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  auto value = evaluate(*parsed, EvalContext{});
  ASSERT_FALSE(value.ok());
  EXPECT_NE(value.error().message.find("format() result is longer than"), std::string::npos)
      << value.error().message;
}

}  // namespace
}  // namespace sluice::expr
