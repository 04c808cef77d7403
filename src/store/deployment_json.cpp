#include "store/deployment_json.h"

#include <nlohmann/json.hpp>

#include "store/run_json.h"

namespace sluice::store {

namespace {

nlohmann::json time_json(int64_t ms) {
  return ms > 0 ? nlohmann::json(iso8601_utc(ms)) : nlohmann::json(nullptr);
}

}  // namespace

nlohmann::json deployment_json(const engine::DeploymentRecord& d) {
  nlohmann::json reviews = nlohmann::json::array();
  for (const engine::DeploymentReview& r : d.reviews) {
    reviews.push_back({{"user", r.user},
                       {"decision", engine::to_string(r.decision)},
                       {"comment", r.comment},
                       {"time_ms", r.time_ms},
                       {"at", time_json(r.time_ms)}});
  }
  return {{"id", d.id},
          {"environment", d.environment},
          {"status", engine::to_string(d.status)},
          {"waiting_on", engine::to_string(d.waiting_on)},
          {"reason", d.reason},
          {"run_id", d.run_id},
          {"job", d.job_key},
          {"ref", d.ref},
          {"sha", d.sha},
          {"revision", d.revision},
          {"url", d.url},
          {"creator", d.creator},
          {"rollback_of", d.rollback_of},
          {"created_ms", d.created_ms},
          {"created_at", time_json(d.created_ms)},
          {"updated_ms", d.updated_ms},
          {"updated_at", time_json(d.updated_ms)},
          {"reviews", std::move(reviews)}};
}

nlohmann::json deployments_json(const std::vector<engine::DeploymentRecord>& deployments) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& d : deployments) list.push_back(deployment_json(d));
  return {{"deployments", std::move(list)}};
}

}  // namespace sluice::store
