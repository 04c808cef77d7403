#include "core/value.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/json.h"

namespace sluice {

TEST(Value, CoercesToNumberLikeGitHub) {
  EXPECT_EQ(Value().to_number(), 0);
  EXPECT_EQ(Value(true).to_number(), 1);
  EXPECT_EQ(Value("").to_number(), 0);
  EXPECT_EQ(Value(" 42 ").to_number(), 42);
  EXPECT_EQ(Value("0x10").to_number(), 16);
  EXPECT_EQ(Value("1e3").to_number(), 1000);
  EXPECT_TRUE(std::isnan(Value("abc").to_number()));
  EXPECT_TRUE(std::isnan(Value::array().to_number()));
}

TEST(Value, Truthiness) {
  EXPECT_FALSE(Value().truthy());
  EXPECT_FALSE(Value(0).truthy());
  EXPECT_FALSE(Value(-0.0).truthy());
  EXPECT_FALSE(Value("").truthy());
  EXPECT_TRUE(Value("false").truthy());
  EXPECT_TRUE(Value::object().truthy());
}

TEST(Value, ObjectKeysAreCaseInsensitiveAndOrdered) {
  Value o = Value::object();
  o.set("Zeta", 1);
  o.set("alpha", 2);
  o.set("ZETA", 3);
  ASSERT_EQ(o.as_object().size(), 2u);
  EXPECT_EQ(o.get("zeta").as_number(), 3);
  EXPECT_EQ(to_json(o), R"({"Zeta":3,"alpha":2})");
}

TEST(Value, ArraysCompareByIdentity) {
  Value a = Value::array({1, 2});
  Value b = Value::array({1, 2});
  EXPECT_TRUE(a.same(a));
  EXPECT_FALSE(a.same(b));
  EXPECT_TRUE(a.deep_equals(b));
}

TEST(Json, RoundTripsAndRejectsDeepNesting) {
  auto v = parse_json(R"({"a":[1,2.5,"x",null,true]})");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(to_json(*v), R"({"a":[1,2.5,"x",null,true]})");
  EXPECT_FALSE(parse_json(std::string(1000, '[') + std::string(1000, ']')).ok());
  auto bad = parse_json("{");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("invalid JSON"), std::string::npos);
}

TEST(Number, FormatsLikeGitHub) {
  EXPECT_EQ(format_number(3), "3");
  EXPECT_EQ(format_number(-2.5), "-2.5");
  EXPECT_EQ(format_number(0.1 + 0.2), "0.3");
}

}  // namespace sluice
