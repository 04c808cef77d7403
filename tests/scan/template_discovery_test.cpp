#include "scan/template_discovery.h"

#include <gtest/gtest.h>

namespace sluice::scan {
namespace {

TEST(GitIgnore, SimplePatterns) {
  GitIgnore g;
  g.add_pattern("*.log", "");
  g.add_pattern("/build", "");
  g.add_pattern("out/", "");
  g.add_pattern("docs/**/*.json", "");
  g.add_pattern("!keep.log", "");
  g.add_pattern("# comment", "");
  g.add_pattern("local.yaml", "sub");
  EXPECT_TRUE(g.ignored("a.log", false));
  EXPECT_TRUE(g.ignored("x/y/a.log", false));
  EXPECT_FALSE(g.ignored("keep.log", false));
  EXPECT_TRUE(g.ignored("build", true));
  EXPECT_FALSE(g.ignored("x/build", true));
  EXPECT_TRUE(g.ignored("out", true));
  EXPECT_FALSE(g.ignored("out", false));
  EXPECT_TRUE(g.ignored("docs/a/b/c.json", false));
  EXPECT_TRUE(g.ignored("sub/local.yaml", false));
  EXPECT_FALSE(g.ignored("local.yaml", false));
}

}  // namespace
}  // namespace sluice::scan
