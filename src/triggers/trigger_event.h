// What a trigger (a poll, a webhook, a schedule) asks the controller to run.
//
// triggers/ sits below plan/ (spec/ uses its cron parser), so it cannot name plan::Event;
// this is the same shape, and server/trigger_loop converts one into the other field by field.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/value.h"

namespace sluice::triggers {

struct TriggerEvent {
  std::string name;  // "push" | "schedule"
  std::string ref;   // refs/heads/main, refs/tags/v1
  std::string sha;   // the commit a run checks out
  // Files the push changed (for `on.push.paths`); nullopt when unknown (a new branch, a tag,
  // a truncated commit list): path filters then pass, as plan::decide_trigger documents.
  std::optional<std::vector<std::string>> changed_paths;
  Value payload = Value::object();  // github.event
};

// The all-zero object id GitHub, GitLab and Gitea send for "no commit" (a created ref's
// `before`, a deleted ref's `after`).
inline constexpr const char* kNullSha = "0000000000000000000000000000000000000000";
bool is_null_sha(const std::string& sha);

}  // namespace sluice::triggers
