#include "server/api_body.h"

#include <gtest/gtest.h>

#include "server/run_queries.h"

namespace sluice::server {
namespace {

TEST(ApiBodyTest, DispatchTakesRefAndTypedInputsAsText) {
  auto body = parse_dispatch_body(R"({"ref":"main","inputs":{"n":3,"dry":true,"who":"x"}})");
  ASSERT_TRUE(body.ok()) << body.error().message;
  EXPECT_EQ(body->ref, "main");
  std::vector<std::pair<std::string, std::string>> want = {
      {"dry", "true"}, {"n", "3"}, {"who", "x"}};
  EXPECT_EQ(body->inputs, want);
  EXPECT_TRUE(parse_dispatch_body("").ok());
}

TEST(ApiBodyTest, RefusesWhatIsNotTheDocumentedShape) {
  EXPECT_EQ(parse_dispatch_body("[1]").error().message, "the body must be a JSON object");
  EXPECT_EQ(parse_dispatch_body("{").error().message, "the body is not valid JSON");
  EXPECT_EQ(parse_dispatch_body(R"({"ref":1})").error().message, "'ref' must be a string");
  EXPECT_EQ(parse_dispatch_body(R"({"input":{}})").error().message,
            "unknown field 'input' (expected: inputs, ref)");
  EXPECT_EQ(parse_dispatch_body(R"({"inputs":{"a":[1]}})").error().message,
            "input 'a' must be a string, a boolean or a number");
  EXPECT_FALSE(parse_rerun_body(R"({"failed":"yes"})").ok());
  EXPECT_TRUE(parse_rerun_body(R"({"failed":true})")->failed_only);
  EXPECT_FALSE(parse_token_body(R"({"role":"root"})").ok());
  EXPECT_EQ(parse_token_body(R"({"role":"agent"})")->role, Role::kAgent);
  EXPECT_FALSE(parse_session_body(R"({"token":""})").ok());
}

TEST(ApiBodyTest, DeepNestingIsRefusedBeforeParsing) {
  std::string deep(100000, '[');
  EXPECT_EQ(parse_dispatch_body(deep).error().message, "the body nests deeper than 16 levels");
  // Brackets inside strings do not count.
  EXPECT_TRUE(parse_dispatch_body(R"({"ref":"[[[[[[[[[[[[[[[[[[[[[[[[["})").ok());
}

TEST(ByteRangeTest, ParsesTheFormsHttpAllows) {
  auto r = parse_range("bytes=2-", 10);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->begin, 2u);
  EXPECT_EQ(r->end, 10u);
  r = parse_range("bytes=2-4", 10);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->end, 5u);
  r = parse_range("bytes=-3", 10);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->begin, 7u);
  r = parse_range("bytes=5-100", 10);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->end, 10u);
  EXPECT_FALSE(parse_range("bytes=10-", 10));  // starts past the end
  EXPECT_FALSE(parse_range("bytes=4-2", 10));
  EXPECT_FALSE(parse_range("bytes=a-", 10));
  EXPECT_FALSE(parse_range("bytes=1-2,4-5", 10));
  EXPECT_FALSE(parse_range("items=1-2", 10));
}

}  // namespace
}  // namespace sluice::server
