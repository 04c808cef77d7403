#include "core/yaml_scalar.h"

#include <gtest/gtest.h>

#include <cmath>

namespace sluice {
namespace {

TEST(YamlScalar, CoreSchemaNumbers) {
  EXPECT_EQ(parse_yaml_number("30"), 30);
  EXPECT_EQ(parse_yaml_number("-2.5"), -2.5);
  EXPECT_EQ(parse_yaml_number("+7"), 7);
  EXPECT_EQ(parse_yaml_number(".5"), 0.5);
  EXPECT_EQ(parse_yaml_number("1."), 1);
  EXPECT_EQ(parse_yaml_number("1e3"), 1000);
  EXPECT_EQ(parse_yaml_number("2.5E-1"), 0.25);
  EXPECT_EQ(parse_yaml_number("0x1F"), 31);
  EXPECT_EQ(parse_yaml_number("0o17"), 15);
  EXPECT_EQ(parse_yaml_number(".inf"), INFINITY);
  EXPECT_EQ(parse_yaml_number("-.Inf"), -INFINITY);
  EXPECT_TRUE(std::isnan(*parse_yaml_number(".nan")));
}

TEST(YamlScalar, NotNumbers) {
  for (const char* text : {"", "-", ".", "1e", "1e+", "0x", "0xZ", "0o8", "1.2.3", "12abc", "abc",
                           " 1", "1 ", "--1", "inf", "nan", "1_000"})
    EXPECT_FALSE(parse_yaml_number(text)) << text;
}

TEST(YamlScalar, BooleansAndNull) {
  EXPECT_EQ(parse_yaml_bool("true"), true);
  EXPECT_EQ(parse_yaml_bool("FALSE"), false);
  EXPECT_FALSE(parse_yaml_bool("yes"));  // YAML 1.1 only
  EXPECT_FALSE(parse_yaml_bool("tRUE"));
  EXPECT_TRUE(is_yaml_null(""));
  EXPECT_TRUE(is_yaml_null("~"));
  EXPECT_TRUE(is_yaml_null("Null"));
  EXPECT_FALSE(is_yaml_null("nil"));
}

}  // namespace
}  // namespace sluice
