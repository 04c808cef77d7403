#include <gtest/gtest.h>

#include <string>

#include "../yaml_bomb.h"
#include "scan/cfn/template.h"

namespace sluice::scan::cfn {
namespace {

using sluice::testing::alias_bomb;

TEST(TemplateLoader, ParsesJsonWithPositions) {
  auto doc = parse_document(
      "{\n  \"Resources\": {\n    \"B\": {\"Type\": \"AWS::S3::Bucket\",\n \"Properties\": "
      "{\"Port\": 3306, \"Name\": \"3306\", \"On\": true}}\n  }\n}\n",
      "t.json");
  ASSERT_TRUE(doc.ok()) << doc.error().format();
  const CfnNode* b = doc->path("Resources.B");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->line, 3);
  const CfnNode* port = doc->path("Resources.B.Properties.Port");
  ASSERT_NE(port, nullptr);
  EXPECT_TRUE(port->is_number());
  EXPECT_EQ(port->number, 3306);
  EXPECT_TRUE(doc->path("Resources.B.Properties.Name")->is_string());
  EXPECT_TRUE(doc->path("Resources.B.Properties.On")->is_bool());
}

TEST(TemplateLoader, JsonWithTabsParses) {
  auto doc = parse_document(
      "{\n\t\"Resources\": {\n\t\t\"B\": {\"Type\": \"AWS::S3::Bucket\"}\n\t}\n}\n", "t.json");
  ASSERT_TRUE(doc.ok()) << doc.error().format();
  EXPECT_TRUE(looks_like_cloudformation(*doc));
}

TEST(TemplateLoader, ExpandsShortFormTags) {
  const char* yaml = R"(Resources:
  B:
    Type: AWS::S3::Bucket
    Properties:
      A: !Ref Param
      B: !GetAtt Other.Arn
      C: !Sub "x-${AWS::Region}"
      D: !Join ["", [a, b]]
      E: !If [Cond, 1, 2]
      F: !Select [0, !GetAZs ""]
      G: !Split [",", "a,b"]
      H: !FindInMap [M, K, V]
      I: !ImportValue Exported
      J: !Base64 text
      K: !Cidr [10.0.0.0/16, 2, 8]
      L: !GetAZs
Conditions:
  C1: !Equals [a, b]
  C2: !And [!Condition C1, !Or [!Not [!Condition C1], !Equals [x, x]]]
)";
  auto doc = parse_document(yaml, "t.yaml");
  ASSERT_TRUE(doc.ok()) << doc.error().format();
  const CfnNode* p = doc->path("Resources.B.Properties");
  EXPECT_EQ(p->get("A")->intrinsic_name(), "Ref");
  EXPECT_EQ(p->get("B")->intrinsic_name(), "Fn::GetAtt");
  ASSERT_TRUE(p->get("B")->intrinsic_arg().is_array());
  EXPECT_EQ(p->get("B")->intrinsic_arg().items[0].text, "Other");
  EXPECT_EQ(p->get("B")->intrinsic_arg().items[1].text, "Arn");
  EXPECT_EQ(p->get("C")->intrinsic_name(), "Fn::Sub");
  EXPECT_EQ(p->get("D")->intrinsic_name(), "Fn::Join");
  EXPECT_EQ(p->get("E")->intrinsic_name(), "Fn::If");
  EXPECT_EQ(p->get("F")->intrinsic_name(), "Fn::Select");
  EXPECT_EQ(p->get("F")->intrinsic_arg().items[1].intrinsic_name(), "Fn::GetAZs");
  EXPECT_EQ(p->get("G")->intrinsic_name(), "Fn::Split");
  EXPECT_EQ(p->get("H")->intrinsic_name(), "Fn::FindInMap");
  EXPECT_EQ(p->get("I")->intrinsic_name(), "Fn::ImportValue");
  EXPECT_EQ(p->get("J")->intrinsic_name(), "Fn::Base64");
  EXPECT_EQ(p->get("K")->intrinsic_name(), "Fn::Cidr");
  EXPECT_EQ(p->get("L")->intrinsic_name(), "Fn::GetAZs");
  EXPECT_EQ(doc->path("Conditions.C1")->intrinsic_name(), "Fn::Equals");
  EXPECT_EQ(doc->path("Conditions.C2")->intrinsic_name(), "Fn::And");
  EXPECT_EQ(to_compact_json(*p->get("A")), R"({"Ref":"Param"})");
}

TEST(TemplateLoader, UnknownTagIsAnErrorWithPosition) {
  auto doc = parse_document("Resources:\n  B:\n    Type: !Bogus x\n", "t.yaml");
  ASSERT_FALSE(doc.ok());
  EXPECT_EQ(doc.error().pos.file, "t.yaml");
  EXPECT_EQ(doc.error().pos.line, 3);
  EXPECT_NE(doc.error().message.find("!Bogus"), std::string::npos);
}

TEST(TemplateLoader, MalformedJsonReportsLineAndColumn) {
  auto doc = parse_document(
      "{\n  \"Resources\": {\n    \"B\": {\"Type\": \"AWS::S3::Bucket\",,}\n}\n", "bad.json");
  ASSERT_FALSE(doc.ok());
  EXPECT_EQ(doc.error().pos.file, "bad.json");
  EXPECT_GE(doc.error().pos.line, 3);
  EXPECT_GT(doc.error().pos.column, 0);
  EXPECT_NE(doc.error().format().find("bad.json:"), std::string::npos);
}

TEST(TemplateLoader, MalformedYamlReportsPosition) {
  auto doc = parse_document("Resources:\n  B:\n    Type: [unclosed\n", "bad.yaml");
  ASSERT_FALSE(doc.ok());
  EXPECT_GT(doc.error().pos.line, 0);
}

TEST(TemplateLoader, BinaryInputIsRejected) {
  std::string data(
      "\x7f"
      "ELF\x02\x01\x01\0\0\0garbage",
      16);
  auto doc = parse_document(data, "a.out");
  ASSERT_FALSE(doc.ok());
  EXPECT_NE(doc.error().message.find("control character \\x02"), std::string::npos)
      << doc.error().message;
  EXPECT_EQ(doc.error().pos.column, 5);
  auto nul = parse_document(std::string("Resources: {}\n\0", 15), "b.yaml");
  ASSERT_FALSE(nul.ok());
  EXPECT_EQ(nul.error().message, "binary data: NUL byte (\\x00) in a text file");
  EXPECT_EQ(nul.error().pos.line, 2);
}

TEST(TemplateLoader, NonUtf8IsRejectedWithPosition) {
  auto doc = parse_document("Resources:\n  B:\n    Type: \"caf\xe9\"\n", "latin1.yaml");
  ASSERT_FALSE(doc.ok());
  EXPECT_NE(doc.error().message.find("UTF-8"), std::string::npos);
  EXPECT_EQ(doc.error().pos.line, 3);
  EXPECT_EQ(doc.error().pos.column, 15);
}

TEST(TemplateLoader, DeepNestingIsRejected) {
  std::string deep = std::string(5000, '[') + std::string(5000, ']');
  auto doc = parse_document(deep, "deep.json");
  ASSERT_FALSE(doc.ok());
  std::string moderately = "{\"a\":" + std::string(150, '[') + std::string(150, ']') + "}";
  auto doc2 = parse_document(moderately, "deep2.json");
  ASSERT_FALSE(doc2.ok());
  EXPECT_NE(doc2.error().message.find("nesting"), std::string::npos);
  // YAML beyond yaml-cpp's own guard (500 levels), which says only "bad file".
  std::string block;
  for (int i = 0; i < 1000; ++i) block += std::string(static_cast<size_t>(i) * 2, ' ') + "a:\n";
  auto doc3 = parse_document(block, "deep.yaml");
  ASSERT_FALSE(doc3.ok());
  EXPECT_EQ(doc3.error().message, "document nested too deeply (more than 100 levels)");
  EXPECT_GT(doc3.error().pos.line, 100);
}

TEST(TemplateLoader, AliasBombIsRefusedWithinTheFilesBudget) {
  // 10^10 nodes from about 600 bytes, with the default limits: the budget follows the file's
  // size, so the loader stops after 100,000 nodes (it used to build 20 million: 9.5 s, 2 GB).
  std::string yaml = alias_bomb(10, 10);
  ASSERT_LT(yaml.size(), 700u);
  auto doc = parse_document(yaml, "bomb.yaml");
  ASSERT_FALSE(doc.ok());
  EXPECT_NE(doc.error().message.find("document expands to more than 100000 YAML nodes"),
            std::string::npos)
      << doc.error().message;
  EXPECT_GT(doc.error().pos.line, 0);
}

TEST(TemplateLoader, AliasBombUnderTheFixedCapIsRefused) {
  // 8^7 = 2 million nodes: under the fixed 20 million cap, far over the file's budget.
  auto doc = parse_document(alias_bomb(7, 8), "bomb.yaml");
  ASSERT_FALSE(doc.ok());
  EXPECT_NE(doc.error().message.find("expands to more than"), std::string::npos);
}

TEST(TemplateLoader, FixedCapStillApplies) {
  LoadLimits limits;
  limits.max_nodes = 1000;
  auto doc = parse_document(alias_bomb(4, 10), "bomb.yaml", limits);
  ASSERT_FALSE(doc.ok());
  EXPECT_NE(doc.error().message.find("more than 1000 YAML nodes"), std::string::npos);
}

TEST(TemplateLoader, OversizedInputIsRejected) {
  LoadLimits limits;
  std::string big(static_cast<size_t>(limits.max_bytes) + 1, ' ');
  auto doc = parse_document(big, "huge.json", limits);
  ASSERT_FALSE(doc.ok());
  EXPECT_NE(doc.error().message.find("50 MB"), std::string::npos);
}

TEST(TemplateLoader, TooManyResourcesIsAnError) {
  std::string json = "{\"Resources\":{";
  for (int i = 0; i < 10001; ++i)
    json += (i ? "," : "") + std::string("\"R") + std::to_string(i) +
            "\":{\"Type\":\"AWS::SNS::Topic\"}";
  json += "}}";
  auto doc = parse_document(json, "many.json");
  ASSERT_TRUE(doc.ok());
  Diagnostics d;
  auto t = build_template(std::make_shared<const CfnNode>(std::move(*doc)), "many.json", d);
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.error().message.find("10000"), std::string::npos);
}

TEST(TemplateLoader, IndexesResourcesAndCdkPaths) {
  auto doc = parse_document(R"(Resources:
  Bucket:
    Type: AWS::S3::Bucket
    Metadata:
      aws:cdk:path: Stack/Bucket/Resource
  NoType:
    Properties: {}
)",
                            "t.yaml");
  ASSERT_TRUE(doc.ok());
  Diagnostics d;
  auto t = build_template(std::make_shared<const CfnNode>(std::move(*doc)), "t.yaml", d);
  ASSERT_TRUE(t.ok());
  ASSERT_EQ(t->resources.size(), 1u);
  EXPECT_EQ(t->resources[0].cdk_path, "Stack/Bucket/Resource");
  EXPECT_EQ(t->resources[0].line, 2);
  EXPECT_EQ(d.items().size(), 1u);  // NoType skipped with a warning
  EXPECT_NE(t->find("Bucket"), nullptr);
}

TEST(TemplateLoader, NonTemplatesAreRecognised) {
  auto pkg = parse_document(R"({"name": "x", "version": "1.0.0"})", "package.json");
  ASSERT_TRUE(pkg.ok());
  EXPECT_FALSE(looks_like_cloudformation(*pkg));
  auto other = parse_document("Resources:\n  X:\n    Type: Custom::Thing\n", "x.yaml");
  EXPECT_FALSE(looks_like_cloudformation(*other));
}

TEST(TemplateLoader, GarbageNeverCrashes) {
  const char* inputs[] = {"",
                          "{",
                          "}",
                          "[",
                          "\"",
                          "!Ref",
                          "- - - -",
                          ":",
                          "{\"a\":}",
                          "a: b: c",
                          "%YAML 9.9\n---\n",
                          "&a *a",
                          "Resources: !Ref",
                          "? [a]\n: b\n",
                          "\xef\xbb\xbf{}",
                          "{\"Resources\": []}"};
  for (const char* in : inputs) {
    auto doc = parse_document(in, "g");
    if (doc.ok()) {
      Diagnostics d;
      (void)looks_like_cloudformation(*doc);
    }
  }
  SUCCEED();
}

}  // namespace
}  // namespace sluice::scan::cfn
