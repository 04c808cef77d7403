#include "deploy/batches.h"

#include <gtest/gtest.h>

namespace sluice::deploy {
namespace {

std::vector<size_t> sizes(size_t n, Strategy s, std::optional<MinHealthy> m) {
  auto batches = plan_batches(n, s, m);
  EXPECT_TRUE(batches.ok());
  std::vector<size_t> out;
  if (batches.ok())
    for (const auto& b : *batches) out.push_back(b.size());
  return out;
}

// The worked examples of CodeDeploy's documentation (deployment-configurations).
TEST(BatchesTest, FollowCodeDeploysMinimumHealthyHosts) {
  EXPECT_EQ(sizes(9, Strategy::kRolling, MinHealthy{false, 6}), (std::vector<size_t>{3, 3, 3}));
  EXPECT_EQ(sizes(9, Strategy::kRolling, MinHealthy{true, 40}), (std::vector<size_t>{5, 4}));
  EXPECT_EQ(sizes(9, Strategy::kRolling, MinHealthy{true, 50}), (std::vector<size_t>{4, 4, 1}));
  EXPECT_EQ(sizes(4, Strategy::kRolling, MinHealthy{true, 75}), (std::vector<size_t>{1, 1, 1, 1}));
  EXPECT_EQ(min_healthy_count(9, MinHealthy{true, 40}), 4u);
  EXPECT_EQ(min_healthy_count(9, MinHealthy{true, 50}), 5u);
}

TEST(BatchesTest, RollingWithoutMinHealthyGoesOneAtATimeAndAllAtOnceInOneBatch) {
  EXPECT_EQ(sizes(3, Strategy::kRolling, std::nullopt), (std::vector<size_t>{1, 1, 1}));
  EXPECT_EQ(sizes(3, Strategy::kAllAtOnce, MinHealthy{true, 75}), (std::vector<size_t>{3}));
}

TEST(BatchesTest, MinHealthyThatLeavesNoTargetFreeIsAnError) {
  auto b = plan_batches(4, Strategy::kRolling, MinHealthy{true, 100});
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error().message,
            "min-healthy 100% of 4 target(s) keeps 4 healthy: no target is left to deploy to "
            "(lower it)");
  EXPECT_FALSE(plan_batches(2, Strategy::kRolling, MinHealthy{false, 5}).ok());
}

TEST(BatchesTest, ParseMinHealthy) {
  EXPECT_EQ(parse_min_healthy("75%")->value, 75);
  EXPECT_TRUE(parse_min_healthy("75%")->percent);
  EXPECT_FALSE(parse_min_healthy("3")->percent);
  EXPECT_FALSE(parse_min_healthy("101%").ok());
  EXPECT_FALSE(parse_min_healthy("-1").ok());
  EXPECT_FALSE(parse_min_healthy("%").ok());
}

}  // namespace
}  // namespace sluice::deploy
