// Who may approve a deployment, and whether the reviews so far let it go on.
//
// An environment's `reviewers` are users or groups: a group is a name under the file's
// `reviewer-groups:`, else an OS group (its members in /etc/group). A review counts when
// its author is a reviewer — and, with prevent-self-review, is not the person who started
// the run. A rejection by anyone who could have approved rejects the deployment, as on
// GitHub. The same rules serve the waiting run (which counts) and `sluice approve` (which
// refuses a review that would not count, with the reason).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "deploy/environments.h"
#include "engine/deployment_record.h"
#include "engine/store.h"

namespace sluice::deploy {

// The members of an OS group, nullopt when there is no such group. Injectable for tests.
using GroupMembers = std::function<std::optional<std::vector<std::string>>(const std::string&)>;
GroupMembers os_group_members();

// $SLUICE_USER, else the OS user of this process (its login name), else "unknown".
std::string current_user();

class ReviewerPolicy {
 public:
  ReviewerPolicy(const EnvironmentSpec& environment, const EnvironmentsFile& file,
                 GroupMembers groups = os_group_members());

  // "" when `user` may review a deployment started by `creator`; else why not.
  std::string refuse_reason(const std::string& user, const std::string& creator) const;

  struct Verdict {
    int approvals = 0;  // distinct users whose approval counts
    int required = 0;
    std::optional<engine::DeploymentReview> rejection;  // the first rejection that counts
    bool approved() const { return !rejection && approvals >= required; }
  };
  Verdict judge(const std::vector<engine::DeploymentReview>& reviews,
                const std::string& creator) const;

  // "alice, ops-team" as written in the file.
  std::string describe() const;

 private:
  bool is_reviewer(const std::string& user) const;

  const EnvironmentSpec& environment_;
  const EnvironmentsFile& file_;
  GroupMembers groups_;
};

// A review submitted for the deployments of a run that wait (`sluice approve|reject`, the
// controller's POST /api/v1/runs/{id}/approve|reject): checked against the rules of the
// run's environments file (from its workspace, when it is still there) and appended to each
// waiting deployment of the environment.
struct ReviewOutcome {
  enum class Kind { kRecorded, kNothingWaiting, kAmbiguous, kRefused, kFailed };
  Kind kind = Kind::kFailed;
  std::string message;  // why not recorded
  std::vector<engine::DeploymentRecord> reviewed;
};
ReviewOutcome submit_review(engine::Store& store, int64_t run_id, const std::string& environment,
                            const std::string& user, engine::ReviewDecision decision,
                            const std::string& comment, int64_t now_ms);

}  // namespace sluice::deploy
