#include "core/yaml_document.h"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <chrono>

#include "../yaml_bomb.h"

namespace sluice {
namespace {

using testing::alias_bomb;

std::optional<Diagnostic> load(const std::string& text, const YamlBounds& bounds = {}) {
  YAML::Node root;
  if (auto bad = parse_yaml(text, "f.yml", bounds, root)) return bad;
  return check_yaml_bounds(root, text.size(), "f.yml", bounds);
}

TEST(YamlNodeBudget, GrowsWithTheFileBetweenFloorAndCap) {
  EXPECT_EQ(yaml_node_budget(10, 1'000'000), kMinYamlNodeBudget);
  EXPECT_EQ(yaml_node_budget(20'000, 1'000'000), 20'000 * kYamlNodesPerByte);
  EXPECT_EQ(yaml_node_budget(10'000'000, 1'000'000), 1'000'000u);
  EXPECT_EQ(yaml_node_budget(SIZE_MAX, 5), 5u);  // no overflow
}

TEST(YamlBounds, AliasBombIsRefusedQuickly) {
  // 10^9 scalars from a file of about 500 bytes; refused after the 100,000-node budget.
  std::string bomb = alias_bomb(9, 10);
  ASSERT_LT(bomb.size(), 700u);
  auto start = std::chrono::steady_clock::now();
  auto bad = load(bomb, YamlBounds{64, 20'000'000});
  auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(bad);
  EXPECT_NE(bad->message.find("document expands to more than 100000 YAML nodes"), std::string::npos)
      << bad->message;
  EXPECT_NE(bad->hint.find("fewer or smaller aliases"), std::string::npos);
  EXPECT_GT(bad->pos.line, 0);
  // Generous bound: the point is "not seconds" (it was 9.5 s with a fixed 20M budget).
  EXPECT_LT(elapsed, std::chrono::seconds(2));
}

TEST(YamlBounds, BombUnderTheOldFixedLimitIsRefusedToo) {
  // 8^7 = 2.1 million scalars: under the old fixed limit of 20 million nodes.
  auto bad = load(alias_bomb(7, 8), YamlBounds{64, 20'000'000});
  ASSERT_TRUE(bad);
  EXPECT_NE(bad->message.find("expands to more than"), std::string::npos);
}

TEST(YamlBounds, ModestAliasUseIsAccepted) {
  std::string text = "defaults: &d {a: 1, b: [x, y, z]}\n";
  for (int i = 0; i < 200; ++i) text += "k" + std::to_string(i) + ": *d\n";
  EXPECT_FALSE(load(text)) << load(text)->message;
}

TEST(YamlBounds, BudgetFollowsTheFileSize) {
  // The same 9^6 = 531,441-node bomb fails in a small file and passes once the file is
  // large enough (padding with a comment) for the budget to cover it.
  std::string bomb = alias_bomb(6, 9);
  ASSERT_TRUE(load(bomb));
  std::string padded = bomb + "# " + std::string(50'000, 'p') + "\n";
  EXPECT_FALSE(load(padded));
}

TEST(YamlBounds, DepthIsLimited) {
  std::string text = std::string(70, '[') + std::string(70, ']');
  auto bad = load(text);
  ASSERT_TRUE(bad);
  EXPECT_NE(bad->message.find("nested too deeply (more than 64 levels)"), std::string::npos);
}

TEST(ParseYaml, DeepNestingSaysNestedTooDeeplyWithPosition) {
  // yaml-cpp's own guard (500 levels) reports only "bad file".
  std::string block;
  for (int i = 0; i < 1000; ++i) block += std::string(static_cast<size_t>(i) * 2, ' ') + "a:\n";
  auto bad = load(block);
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->message, "document nested too deeply (more than 64 levels)");
  EXPECT_GT(bad->pos.line, 64);
  EXPECT_GT(bad->pos.column, 1);
  auto flow = load(std::string(1000, '[') + std::string(1000, ']'));
  ASSERT_TRUE(flow);
  EXPECT_EQ(flow->message, "document nested too deeply (more than 64 levels)");
  EXPECT_EQ(flow->pos.line, 1);
  EXPECT_GT(flow->pos.column, 64);
}

TEST(ParseYaml, MalformedYamlHasThePosition) {
  auto bad = load("a: b: c\n");
  ASSERT_TRUE(bad);
  EXPECT_NE(bad->message.find("malformed YAML"), std::string::npos);
  EXPECT_EQ(bad->pos.line, 1);
  EXPECT_EQ(bad->pos.column, 5);
}

TEST(CheckYamlText, NamesTheByteAndItsPosition) {
  auto nul = check_yaml_text(std::string("a: 1\nb: x\0y\n", 12), "f.yml", "workflow files");
  ASSERT_TRUE(nul);
  EXPECT_EQ(nul->message, "binary data: NUL byte (\\x00) in a text file");
  EXPECT_EQ(nul->pos.line, 2);
  EXPECT_EQ(nul->pos.column, 5);
  auto control = check_yaml_text("a: x\x01y\n", "f.yml", "workflow files");
  ASSERT_TRUE(control);
  EXPECT_NE(control->message.find("control character \\x01"), std::string::npos);
  EXPECT_EQ(control->pos.column, 5);
  auto latin1 = check_yaml_text("a: 1\nname: caf\xe9\n", "f.yml", "workflow files");
  ASSERT_TRUE(latin1);
  EXPECT_EQ(latin1->message, "invalid UTF-8 (byte \\xe9): workflow files must be UTF-8 text");
  EXPECT_EQ(latin1->pos.line, 2);
  EXPECT_EQ(latin1->pos.column, 10);
  EXPECT_FALSE(check_yaml_text("tab:\tok\r\nutf8: caf\xc3\xa9\n", "f.yml", "workflow files"));
}

}  // namespace
}  // namespace sluice
