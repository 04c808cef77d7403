#include "deploy/batches.h"

#include <string>

namespace sluice::deploy {

size_t min_healthy_count(size_t targets, const MinHealthy& min_healthy) {
  if (!min_healthy.percent) return static_cast<size_t>(min_healthy.value);
  return (targets * static_cast<size_t>(min_healthy.value) + 99) / 100;  // rounded up
}

Result<std::vector<std::vector<size_t>>> plan_batches(
    size_t targets, Strategy strategy, const std::optional<MinHealthy>& min_healthy) {
  size_t batch = targets;
  if (strategy == Strategy::kRolling) {
    batch = 1;
    if (min_healthy) {
      size_t keep = min_healthy_count(targets, *min_healthy);
      if (keep >= targets)
        return Error{"min-healthy " + std::to_string(min_healthy->value) +
                         (min_healthy->percent ? "%" : "") + " of " + std::to_string(targets) +
                         " target(s) keeps " + std::to_string(keep) +
                         " healthy: no target is left to deploy to (lower it)",
                     {}};
      batch = targets - keep;
    }
  }
  std::vector<std::vector<size_t>> batches;
  for (size_t i = 0; i < targets; ++i) {
    if (i % batch == 0) batches.emplace_back();
    batches.back().push_back(i);
  }
  return batches;
}

}  // namespace sluice::deploy
