// sluice's built-in actions. Each is a small bash script run like a `run:` step (so it
// gets a log, a timeout, retries and cancellation like any step) that reads its inputs
// from INPUT_* variables; heavier ones call back into the sluice binary.
#pragma once

#include <memory>
#include <string>

#include "engine/action_resolver.h"

namespace sluice::actions {

// `actions/checkout`: a local run's workspace is the working tree, so there is nothing to
// fetch; with `path:` the repository's HEAD is cloned into that sub-directory.
std::shared_ptr<engine::ResolvedAction> checkout_action(const std::string& uses);

// `sluice/scan`: runs `sluice __scan-gate`, which scans, prints findings as workflow
// annotations, writes the report and fails the step per `fail-on`.
std::shared_ptr<engine::ResolvedAction> scan_action(const std::string& uses,
                                                    const std::string& sluice_binary);

// `sluice/health-gate`: runs `sluice __health-gate`, which polls a health source (AWS Health,
// Statuspage, HTTP, Prometheus, command) until it is clear for `stable-for` polls or the
// gate times out (docs/health-gates.md).
std::shared_ptr<engine::ResolvedAction> health_gate_action(const std::string& uses,
                                                           const std::string& sluice_binary);

// `sluice/deploy`: runs `sluice __deploy`, which deploys a revision to targets with a
// strategy (all-at-once, rolling, blue-green, canary), the user's hooks and checks, and rolls
// back automatically (docs/deployments.md).
std::shared_ptr<engine::ResolvedAction> deploy_action(const std::string& uses,
                                                      const std::string& sluice_binary);

}  // namespace sluice::actions
