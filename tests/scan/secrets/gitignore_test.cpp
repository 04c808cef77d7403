#include "scan/secrets/gitignore.h"

#include <gtest/gtest.h>

namespace sluice::scan::secrets {
namespace {

TEST(GlobMatch, Wildcards) {
  EXPECT_TRUE(glob_match("*.log", "debug.log"));
  EXPECT_FALSE(glob_match("*.log", "dir/debug.log"));
  EXPECT_TRUE(glob_match("a?c", "abc"));
  EXPECT_FALSE(glob_match("a?c", "a/c"));
  EXPECT_TRUE(glob_match("[abc]x", "bx"));
  EXPECT_FALSE(glob_match("[!abc]x", "bx"));
  EXPECT_TRUE(glob_match("[a-c]x", "cx"));
  EXPECT_TRUE(glob_match("**/build", "build"));
  EXPECT_TRUE(glob_match("**/build", "a/b/build"));
  EXPECT_TRUE(glob_match("docs/**", "docs/a/b.md"));
  EXPECT_TRUE(glob_match("a/**/z", "a/b/c/z"));
  EXPECT_FALSE(glob_match("a/*/z", "a/b/c/z"));
  EXPECT_TRUE(glob_match("\\*star", "*star"));
  EXPECT_TRUE(glob_match("[unterminated", "[unterminated"));
}

TEST(GlobMatch, HostilePatternStaysFast) {
  const std::string pattern = std::string(50, '*') + "b";
  EXPECT_FALSE(glob_match(pattern, std::string(5000, 'a')));
}

TEST(Gitignore, NegationDirectoryOnlyAndAnchoring) {
  GitignoreFile file("", "# comment\n\n*.log\n!keep.log\nbuild/\n/root-only\nsrc/gen\n\\#hash\n");
  using V = GitignoreFile::Verdict;
  EXPECT_EQ(file.match("a/debug.log", false), V::kIgnored);
  EXPECT_EQ(file.match("keep.log", false), V::kIncluded);
  EXPECT_EQ(file.match("build", true), V::kIgnored);
  EXPECT_EQ(file.match("build", false), V::kNoMatch);
  EXPECT_EQ(file.match("root-only", false), V::kIgnored);
  EXPECT_EQ(file.match("sub/root-only", false), V::kNoMatch);
  EXPECT_EQ(file.match("src/gen", true), V::kIgnored);
  EXPECT_EQ(file.match("other/src/gen", true), V::kNoMatch);
  EXPECT_EQ(file.match("#hash", false), V::kIgnored);
}

TEST(Gitignore, NestedFileOnlyCoversItsDirectory) {
  GitignoreFile file("sub", "*.tmp\n/x.txt\n");
  using V = GitignoreFile::Verdict;
  EXPECT_EQ(file.match("sub/a.tmp", false), V::kIgnored);
  EXPECT_EQ(file.match("sub/deeper/a.tmp", false), V::kIgnored);
  EXPECT_EQ(file.match("a.tmp", false), V::kNoMatch);
  EXPECT_EQ(file.match("subway/a.tmp", false), V::kNoMatch);
  EXPECT_EQ(file.match("sub/x.txt", false), V::kIgnored);
  EXPECT_EQ(file.match("sub/deeper/x.txt", false), V::kNoMatch);
}

}  // namespace
}  // namespace sluice::scan::secrets
