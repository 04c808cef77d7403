#include "scan/cfn/json_reader.h"

#include <gtest/gtest.h>

#include "scan/cfn/template.h"

namespace sluice::scan::cfn {
namespace {

TEST(JsonReader, ValuesAndPositions) {
  LoadLimits limits;
  auto doc = read_json(
      "{\n  \"a\": [1, -2.5e3, true, false, null],\n  \"s\": \"x\\n\\u00e9\\ud83d\\ude00\\/\",\n  "
      "\"o\": {}\n}",
      "t.json", limits);
  ASSERT_TRUE(doc.ok()) << doc.error().format();
  const CfnNode* a = doc->get("a");
  ASSERT_TRUE(a && a->is_array());
  EXPECT_EQ(a->line, 2);
  EXPECT_EQ(a->column, 3);
  EXPECT_EQ(a->items[1].number, -2500);
  EXPECT_TRUE(a->items[2].boolean);
  EXPECT_TRUE(a->items[4].is_null());
  EXPECT_EQ(doc->get("s")->text, "x\n\xc3\xa9\xf0\x9f\x98\x80/");
  EXPECT_EQ(doc->get("s")->line, 3);
  EXPECT_TRUE(doc->get("o")->is_object());
}

TEST(JsonReader, ErrorsHaveLineAndColumn) {
  LoadLimits limits;
  struct Case {
    const char* text;
    int line, column;
  } cases[] = {
      {"{\"a\": 1,, }", 1, 9},   {"{\n  \"a\": tru }", 2, 8},
      {"[1, 2", 1, 6},           {"{\"a\" 1}", 1, 6},
      {"\"unterminated", 1, 14}, {"{\"a\": \"bad \\q escape\"}", 1, 12},
      {"{} {}", 1, 4},           {"[01.]", 1, 5},
  };
  for (const Case& c : cases) {
    auto doc = read_json(c.text, "e.json", limits);
    ASSERT_FALSE(doc.ok()) << c.text;
    EXPECT_EQ(doc.error().pos.line, c.line) << c.text << ": " << doc.error().format();
    EXPECT_EQ(doc.error().pos.column, c.column) << c.text << ": " << doc.error().format();
  }
}

TEST(JsonReader, DepthLimit) {
  LoadLimits limits;
  std::string deep = std::string(200, '[') + std::string(200, ']');
  auto doc = read_json(deep, "d.json", limits);
  ASSERT_FALSE(doc.ok());
  EXPECT_NE(doc.error().message.find("nesting"), std::string::npos);
}

TEST(JsonReader, FlowYamlFallsBackToYamlCpp) {
  // Not strict JSON (unquoted keys), but valid YAML flow style: still a template.
  auto doc = parse_document("{Resources: {B: {Type: AWS::S3::Bucket}}}", "flow.yaml");
  ASSERT_TRUE(doc.ok()) << doc.error().format();
  EXPECT_TRUE(looks_like_cloudformation(*doc));
}

}  // namespace
}  // namespace sluice::scan::cfn
