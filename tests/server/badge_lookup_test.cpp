#include "server/badge_lookup.h"

#include <gtest/gtest.h>

namespace sluice::server {
namespace {

TEST(BadgeNamesWorkflow, ByFileBaseNameStemOrName) {
  const std::string file = ".github/workflows/ci.yml";
  EXPECT_TRUE(badge_names_workflow(file, "CI", ".github/workflows/ci.yml"));
  EXPECT_TRUE(badge_names_workflow(file, "CI", "ci.yml"));
  EXPECT_TRUE(badge_names_workflow(file, "CI", "ci"));
  EXPECT_TRUE(badge_names_workflow(file, "CI", "CI"));
  EXPECT_TRUE(badge_names_workflow("release.yaml", "", "release"));
  EXPECT_FALSE(badge_names_workflow(file, "CI", "c"));
  EXPECT_FALSE(badge_names_workflow(file, "CI", "ci.yaml"));
  EXPECT_FALSE(badge_names_workflow(file, "CI", "workflows/ci"));
  EXPECT_FALSE(badge_names_workflow(file, "", ""));
}

}  // namespace
}  // namespace sluice::server
