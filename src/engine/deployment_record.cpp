#include "engine/deployment_record.h"

#include <array>
#include <utility>

namespace sluice::engine {

namespace {

constexpr std::array<std::pair<DeploymentStatus, const char*>, 8> kStatusNames = {{
    {DeploymentStatus::kQueued, "queued"},
    {DeploymentStatus::kWaiting, "waiting"},
    {DeploymentStatus::kInProgress, "in_progress"},
    {DeploymentStatus::kSuccess, "success"},
    {DeploymentStatus::kFailure, "failure"},
    {DeploymentStatus::kCancelled, "cancelled"},
    {DeploymentStatus::kInactive, "inactive"},
    {DeploymentStatus::kRolledBack, "rolled_back"},
}};

constexpr std::array<std::pair<DeploymentWait, const char*>, 5> kWaitNames = {{
    {DeploymentWait::kNone, ""},
    {DeploymentWait::kWaitTimer, "wait-timer"},
    {DeploymentWait::kApproval, "approval"},
    {DeploymentWait::kHealthGate, "health-gate"},
    {DeploymentWait::kConcurrency, "concurrency"},
}};

}  // namespace

bool is_terminal(DeploymentStatus status) {
  return status != DeploymentStatus::kQueued && status != DeploymentStatus::kWaiting &&
         status != DeploymentStatus::kInProgress;
}

const char* to_string(DeploymentStatus status) {
  for (const auto& [value, name] : kStatusNames)
    if (value == status) return name;
  return "unknown";
}

std::optional<DeploymentStatus> deployment_status_from_string(std::string_view text) {
  for (const auto& [value, name] : kStatusNames)
    if (text == name) return value;
  return std::nullopt;
}

const char* to_string(DeploymentWait wait) {
  for (const auto& [value, name] : kWaitNames)
    if (value == wait) return name;
  return "";
}

DeploymentWait deployment_wait_from_string(std::string_view text) {
  for (const auto& [value, name] : kWaitNames)
    if (text == name) return value;
  return DeploymentWait::kNone;
}

const char* to_string(ReviewDecision decision) {
  return decision == ReviewDecision::kApproved ? "approved" : "rejected";
}

std::optional<ReviewDecision> review_decision_from_string(std::string_view text) {
  if (text == "approved") return ReviewDecision::kApproved;
  if (text == "rejected") return ReviewDecision::kRejected;
  return std::nullopt;
}

}  // namespace sluice::engine
