// DeploymentRecord: one deployment of a job to an environment, as the Store keeps it.
//
// A job with `environment:` creates one when it becomes ready (deploy/environment_admission)
// and moves it forward through these states only:
//   kQueued -> kWaiting (protection rules: approvals, wait timer, health gates, concurrency)
//           -> kInProgress (the job runs) -> kSuccess | kFailure | kCancelled | kRolledBack
// A deployment that never starts goes from kQueued/kWaiting to kFailure (a rule failed:
// branch policy, rejection, expiry, a gate) or kCancelled. kInactive marks an older
// deployment superseded by a newer one (set by whoever decides so; nothing sets it
// automatically today). kRolledBack is the deploy action's: the revision was taken back.
//
// Reviews (approvals and rejections) are rows of their own, appended by `sluice approve`
// and `sluice reject` from other processes while the run's own process saves the record:
// save_deployment never touches them, so neither writer overwrites the other.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::engine {

enum class DeploymentStatus {
  kQueued,
  kWaiting,
  kInProgress,
  kSuccess,
  kFailure,
  kCancelled,
  kInactive,
  kRolledBack
};

bool is_terminal(DeploymentStatus status);
// "queued", "waiting", "in_progress", "success", "failure", "cancelled", "inactive",
// "rolled_back".
const char* to_string(DeploymentStatus status);
std::optional<DeploymentStatus> deployment_status_from_string(std::string_view text);

// What a waiting deployment waits for (DeploymentRecord::waiting_on).
enum class DeploymentWait { kNone, kWaitTimer, kApproval, kHealthGate, kConcurrency };
const char* to_string(DeploymentWait wait);  // "", "wait-timer", "approval", ...
DeploymentWait deployment_wait_from_string(std::string_view text);  // unknown: kNone

enum class ReviewDecision { kApproved, kRejected };
const char* to_string(ReviewDecision decision);  // "approved" | "rejected"
std::optional<ReviewDecision> review_decision_from_string(std::string_view text);

struct DeploymentReview {
  int64_t deployment_id = 0;
  std::string user;  // $SLUICE_USER or the OS user of the approving process
  ReviewDecision decision = ReviewDecision::kApproved;
  std::string comment;
  int64_t time_ms = 0;
};

struct DeploymentRecord {
  int64_t id = 0;  // assigned by Store::create_deployment
  std::string environment;
  std::string ref;
  std::string sha;
  int64_t run_id = 0;
  std::string job_key;  // the job instance in the run: "deploy" or "deploy (eu)"
  DeploymentStatus status = DeploymentStatus::kQueued;
  DeploymentWait waiting_on = DeploymentWait::kNone;  // while kWaiting
  std::string reason;       // for humans: why it waits, or why it ended as it did
  std::string revision;     // what was deployed (the deploy action's; default the commit)
  std::string url;          // environment.url, once known
  std::string creator;      // who started the run (prevent-self-review compares with it)
  int64_t rollback_of = 0;  // a rollback: the deployment it takes back (0: none)
  int64_t created_ms = 0;
  int64_t updated_ms = 0;
  // Filled by the queries, oldest first; ignored by create/save_deployment.
  std::vector<DeploymentReview> reviews;
};

// Store::list_deployments filters; empty/zero fields match everything.
struct DeploymentQuery {
  std::string environment;
  int64_t run_id = 0;
  int limit = 0;  // <= 0: no limit
};

}  // namespace sluice::engine
