// Workflow files built to make the loader work hard or print garbage: alias bombs, deep
// nesting, too many jobs, binary data, control bytes and invalid UTF-8. Each is refused
// quickly with a message that names the problem and its position.
#include <gtest/gtest.h>

#include "../yaml_bomb.h"
#include "loader_test_util.h"
#include "spec/workflow_loader.h"

namespace sluice::spec {
namespace {

using namespace std::string_literals;

std::optional<Workflow> load(const std::string& text, Diagnostics& d) {
  return load_workflow_text(text, "wf.yml", d);
}

// `levels` anchors of `fanout` aliases each, the last used as a matrix axis: expanding it
// would build fanout^levels values.
std::string alias_bomb_workflow(int levels, int fanout) {
  return sluice::testing::alias_bomb(levels, fanout, "x-") +
         "on: push\njobs:\n  a:\n    runs-on: x\n    strategy: {matrix: {v: *a" +
         std::to_string(levels - 1) + "}}\n    steps: [{run: a}]\n";
}

TEST(HostileInput, AliasBombIsRefused) {
  // 10^9 values when expanded.
  Diagnostics d;
  EXPECT_FALSE(load(alias_bomb_workflow(9, 10), d));
  EXPECT_DIAG(d, "document expands to more than 100000 YAML nodes", 0, 0);
}

TEST(HostileInput, AliasBombUnderTheOldFixedLimitIsRefused) {
  // 6^7 = 279,936 matrix values, 740,000 nodes in all: under the old fixed limit of
  // 1,000,000 nodes, so it used to be loaded and its matrix copied value by value (57 MB
  // from 365 bytes). The budget now follows the file's size.
  Diagnostics d;
  EXPECT_FALSE(load(alias_bomb_workflow(7, 6), d));
  EXPECT_DIAG(d, "document expands to more than 100000 YAML nodes", 1, 0);
  EXPECT_EQ(d.items().size(), 1u) << d.format();
}

TEST(HostileInput, SelfReferencingAliasIsBounded) {
  Diagnostics d;
  EXPECT_FALSE(load("x: &a [*a]\non: push\n", d));
  EXPECT_TRUE(d.has_errors());
}

TEST(HostileInput, NestingTooDeep) {
  Diagnostics d;
  std::string text = "on: push\njobs:\n  a:\n    runs-on: x\n    env: ";
  for (int i = 0; i < 100; ++i) text += "[";
  for (int i = 0; i < 100; ++i) text += "]";
  text += "\n";
  EXPECT_FALSE(load(text, d));
  EXPECT_DIAG(d, "document nested too deeply (more than 64 levels)", 5, 0);
}

TEST(HostileInput, NestingBeyondYamlCppsGuardSaysSo) {
  // 600 levels (360 KB): yaml-cpp stops at 500 with the message "bad file".
  std::string text;
  for (int i = 0; i < 600; ++i) text += std::string(static_cast<size_t>(i) * 2, ' ') + "a:\n";
  Diagnostics d;
  EXPECT_FALSE(load(text, d));
  ASSERT_EQ(d.items().size(), 1u) << d.format();
  EXPECT_EQ(d.items()[0].message, "document nested too deeply (more than 64 levels)");
  EXPECT_GT(d.items()[0].pos.line, 64);
  Diagnostics flow;
  EXPECT_FALSE(load(std::string(100000, '['), flow));
  EXPECT_DIAG(flow, "nested too deeply", 1, 0);
}

TEST(HostileInput, TooManyJobs) {
  std::string text = "on: push\njobs:\n";
  for (size_t i = 0; i <= kMaxWorkflowJobs; ++i)
    text += "  j" + std::to_string(i) + ": {runs-on: x, steps: [{run: a}]}\n";
  Diagnostics d;
  EXPECT_FALSE(load(text, d));
  EXPECT_DIAG(d, "too many jobs: job 'j256' is number 257; a workflow has at most 256 jobs", 259,
              3);
  EXPECT_EQ(d.error_count(), 1u) << d.format();
  // The limit itself is fine.
  text.erase(text.rfind("  j256"));
  Diagnostics ok;
  auto wf = load(text, ok);
  ASSERT_TRUE(wf) << ok.format();
  EXPECT_EQ(wf->jobs.size(), kMaxWorkflowJobs);
}

TEST(HostileInput, RawNulByteIsBinaryData) {
  Diagnostics d;
  EXPECT_FALSE(load("on: push\njobs:\n  a: {runs-on: x\0, steps: [{run: a}]}\n"s, d));
  ASSERT_EQ(d.items().size(), 1u) << d.format();
  EXPECT_DIAG(d, "binary data: NUL byte (\\x00) in a text file", 3, 17);
}

TEST(HostileInput, NulEscapeIsEchoedEscaped) {
  // `\0` is a valid YAML escape; a key holding it is unknown, and the message shows it.
  Diagnostics d;
  EXPECT_FALSE(load("on: push\njobs:\n  a:\n    \"runs-on\\0\": x\n    steps: [{run: a}]\n", d));
  EXPECT_DIAG(d, "unknown key 'runs-on\\x00' in job 'a'", 4, 5);
}

TEST(HostileInput, RawControlBytesAreRejectedWithPosition) {
  Diagnostics d;
  EXPECT_FALSE(load("on: push\njobs:\n  a: {runs-on: x\x1b[2J, steps: [{run: a}]}\n", d));
  ASSERT_EQ(d.items().size(), 1u) << d.format();
  EXPECT_DIAG(d, "control character \\x1b in the file", 3, 17);
}

TEST(HostileInput, EscapedControlCharactersAreShownEscaped) {
  Diagnostics d;
  EXPECT_FALSE(load("on: push\njobs:\n  a: {\"runs-on\\x07\\e[2J\": x, steps: [{run: a}]}\n", d));
  for (const auto& item : d.items())
    for (char c : item.message) EXPECT_GE(static_cast<unsigned char>(c), 0x20) << item.message;
  EXPECT_DIAG(d, "unknown key 'runs-on\\x07\\x1b[2J' in job 'a'", 3, 7);
}

TEST(HostileInput, InvalidUtf8IsRejectedWithPosition) {
  Diagnostics d;
  EXPECT_FALSE(load("on: push\njobs:\n  a:\n    name: caf\xe9\n    runs-on: x\n", d));
  ASSERT_EQ(d.items().size(), 1u) << d.format();
  EXPECT_DIAG(d, "invalid UTF-8 (byte \\xe9): workflow files must be UTF-8 text", 4, 14);
}

}  // namespace
}  // namespace sluice::spec
