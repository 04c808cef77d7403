// The documented JSON of deployments (docs/environments.md "History"): what
// `sluice deployments --json` prints and what the controller serves
// (GET /api/v1/deployments, docs/api.md). Conventions as store/run_json.h: snake_case
// fields only ever added; times as `<name>_ms` and `<name>_at` (ISO-8601 UTC, null = not yet).
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <vector>

#include "engine/deployment_record.h"

namespace sluice::store {

// {"id", "environment", "status", "waiting_on", "reason", "run_id", "job", "ref", "sha",
//  "revision", "url", "creator", "rollback_of", "created_ms", "created_at", "updated_ms",
//  "updated_at", "reviews": [{"user", "decision", "comment", "time_ms", "at"}]}
nlohmann::json deployment_json(const engine::DeploymentRecord& deployment);
// {"deployments": [...]}, in the order given (newest first).
nlohmann::json deployments_json(const std::vector<engine::DeploymentRecord>& deployments);

}  // namespace sluice::store
