#include "deploy/reviewers.h"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <set>

namespace sluice::deploy {

GroupMembers os_group_members() {
  return [](const std::string& name) -> std::optional<std::vector<std::string>> {
    std::vector<char> buffer(16384);
    group entry{};
    group* found = nullptr;
    if (getgrnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &found) != 0 || !found)
      return std::nullopt;
    std::vector<std::string> members;
    for (char** m = found->gr_mem; m != nullptr && *m != nullptr; ++m) members.emplace_back(*m);
    return members;
  };
}

std::string current_user() {
  if (const char* user = std::getenv("SLUICE_USER"); user != nullptr && *user != '\0') return user;
  std::vector<char> buffer(16384);
  passwd entry{};
  passwd* found = nullptr;
  if (getpwuid_r(geteuid(), &entry, buffer.data(), buffer.size(), &found) == 0 && found)
    return found->pw_name;
  if (const char* user = std::getenv("USER"); user != nullptr && *user != '\0') return user;
  return "unknown";
}

ReviewerPolicy::ReviewerPolicy(const EnvironmentSpec& environment, const EnvironmentsFile& file,
                               GroupMembers groups)
    : environment_(environment), file_(file), groups_(std::move(groups)) {}

bool ReviewerPolicy::is_reviewer(const std::string& user) const {
  for (const std::string& reviewer : environment_.reviewers) {
    if (reviewer == user) return true;
    auto group = file_.reviewer_groups.find(reviewer);
    if (group != file_.reviewer_groups.end()) {
      if (std::find(group->second.begin(), group->second.end(), user) != group->second.end())
        return true;
      continue;
    }
    if (groups_) {
      auto members = groups_(reviewer);
      if (members && std::find(members->begin(), members->end(), user) != members->end())
        return true;
    }
  }
  return false;
}

std::string ReviewerPolicy::refuse_reason(const std::string& user,
                                          const std::string& creator) const {
  if (environment_.required_approvals == 0 && environment_.reviewers.empty())
    return "environment '" + environment_.name + "' needs no review";
  if (!is_reviewer(user))
    return user + " is not a reviewer of environment '" + environment_.name +
           "' (reviewers: " + describe() + ")";
  if (environment_.prevent_self_review && user == creator)
    return user + " started this run and environment '" + environment_.name +
           "' prevents self-review";
  return "";
}

ReviewerPolicy::Verdict ReviewerPolicy::judge(const std::vector<engine::DeploymentReview>& reviews,
                                              const std::string& creator) const {
  Verdict verdict;
  verdict.required = environment_.required_approvals;
  std::set<std::string> approvers;
  for (const engine::DeploymentReview& review : reviews) {
    if (!refuse_reason(review.user, creator).empty()) continue;
    if (review.decision == engine::ReviewDecision::kRejected) {
      if (!verdict.rejection) verdict.rejection = review;
    } else {
      approvers.insert(review.user);
    }
  }
  verdict.approvals = static_cast<int>(approvers.size());
  return verdict;
}

std::string ReviewerPolicy::describe() const {
  std::string out;
  for (const std::string& reviewer : environment_.reviewers)
    out += (out.empty() ? "" : ", ") + reviewer;
  return out;
}

ReviewOutcome submit_review(engine::Store& store, int64_t run_id, const std::string& environment,
                            const std::string& user, engine::ReviewDecision decision,
                            const std::string& comment, int64_t now_ms) {
  using Kind = ReviewOutcome::Kind;
  ReviewOutcome out;
  auto deployments = store.list_deployments(engine::DeploymentQuery{"", run_id, 0});
  if (!deployments.ok()) return {Kind::kFailed, deployments.error().message, {}};
  std::vector<engine::DeploymentRecord> waiting;
  std::set<std::string> environments;
  for (const engine::DeploymentRecord& d : *deployments) {
    if (d.status != engine::DeploymentStatus::kWaiting &&
        d.status != engine::DeploymentStatus::kQueued)
      continue;
    if (!environment.empty() && d.environment != environment) continue;
    waiting.push_back(d);
    environments.insert(d.environment);
  }
  if (waiting.empty())
    return {Kind::kNothingWaiting,
            "run " + std::to_string(run_id) + " has no deployment waiting" +
                (environment.empty() ? "" : " to environment '" + environment + "'"),
            {}};
  if (environments.size() > 1) {
    std::string names;
    for (const auto& name : environments) names += (names.empty() ? "" : ", ") + name;
    return {Kind::kAmbiguous,
            "run " + std::to_string(run_id) + " waits for several environments (" + names +
                "): name one",
            {}};
  }
  // The rules as the run reads them: its repository's environments file.
  auto detail = store.load_run(run_id);
  if (detail.ok() && !detail->run.workspace.empty()) {
    Diagnostics diagnostics;
    auto file = load_environments(detail->run.workspace, diagnostics);
    const EnvironmentSpec* env = file ? file->find(waiting.front().environment) : nullptr;
    if (env != nullptr) {
      std::string refused =
          ReviewerPolicy(*env, *file).refuse_reason(user, waiting.front().creator);
      if (!refused.empty()) return {Kind::kRefused, refused, {}};
    }
  }
  for (const engine::DeploymentRecord& d : waiting) {
    if (Status s = store.add_deployment_review({d.id, user, decision, comment, now_ms}); !s.ok())
      return {Kind::kFailed, s.error().message, out.reviewed};
    out.reviewed.push_back(d);
  }
  out.kind = Kind::kRecorded;
  return out;
}

}  // namespace sluice::deploy
