// How many targets a rolling deployment takes out of service at once, as CodeDeploy
// computes it from MinimumHealthyHosts:
//   HOST_COUNT v     (min-healthy: 6)    at least v stay healthy: batches of n - v
//   FLEET_PERCENT p  (min-healthy: 40%)  at least ceil(n * p / 100) stay healthy
// 9 targets: `6` gives batches of 3, `40%` batches of 5, `50%` (HalfAtATime) batches of 4.
// Without min-healthy a rolling deployment goes one target at a time (OneAtATime); an
// all-at-once deployment takes every target in one batch.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "core/result.h"
#include "deploy/deploy_spec.h"

namespace sluice::deploy {

// The number of targets that must stay healthy.
size_t min_healthy_count(size_t targets, const MinHealthy& min_healthy);

// Target indexes in deployment order, split into batches. Errors when min-healthy leaves no
// target free (or asks for more targets than there are).
Result<std::vector<std::vector<size_t>>> plan_batches(size_t targets, Strategy strategy,
                                                      const std::optional<MinHealthy>& min_healthy);

}  // namespace sluice::deploy
