#include "core/glob.h"

#include <gtest/gtest.h>

namespace sluice {

TEST(Glob, GitHubFilterPatterns) {
  EXPECT_TRUE(glob_match("main", "main"));
  EXPECT_TRUE(glob_match("feature/*", "feature/x"));
  EXPECT_FALSE(glob_match("feature/*", "feature/x/y"));
  EXPECT_TRUE(glob_match("feature/**", "feature/x/y"));
  EXPECT_TRUE(glob_match("**/*.md", "a/b/c.md"));
  EXPECT_TRUE(glob_match("**/*.md", "c.md"));
  EXPECT_TRUE(glob_match("v[12].*", "v1.0"));
  EXPECT_FALSE(glob_match("v[12].*", "v3.0"));
  EXPECT_TRUE(glob_match("v1.?", "v1.5"));
  EXPECT_TRUE(glob_match("ab+c", "abbbc"));
  EXPECT_FALSE(glob_match("ab+c", "ac"));
}

TEST(Glob, FilterNegationOrder) {
  std::vector<std::string> patterns{"releases/**", "!releases/**-alpha"};
  EXPECT_TRUE(filter_match(patterns, "releases/v1"));
  EXPECT_FALSE(filter_match(patterns, "releases/v1-alpha"));
  EXPECT_FALSE(filter_match(patterns, "main"));
}

TEST(Glob, PathologicalPatternsTerminate) {
  std::string text(200, 'a');
  EXPECT_FALSE(glob_match("*a*a*a*a*a*a*a*a*a*a*a*a*b", text));
}

}  // namespace sluice
