#include "plan/event.h"

#include "core/glob.h"

namespace sluice::plan {
namespace {

std::string strip_prefix(const std::string& s, const std::string& prefix) {
  return s.rfind(prefix, 0) == 0 ? s.substr(prefix.size()) : "";
}

bool any_glob(const std::vector<std::string>& patterns, const std::string& text) {
  for (const auto& p : patterns)
    if (glob_match(p, text)) return true;
  return false;
}

// Checks one include/ignore pair of filter lists. An empty include list with a
// non-empty ignore list means "everything but".
TriggerDecision check_pair(const std::vector<std::string>& include,
                           const std::vector<std::string>& ignore, const std::string& value,
                           const char* what) {
  if (!include.empty() && !filter_match(include, value))
    return {false, std::string(what) + " '" + value + "' does not match the " + what + " filter"};
  if (!ignore.empty() && any_glob(ignore, value))
    return {false, std::string(what) + " '" + value + "' is in " + what + "-ignore"};
  return {true, ""};
}

TriggerDecision check_paths(const spec::EventFilter& filter, const Event& event) {
  if (filter.paths.empty() && filter.paths_ignore.empty()) return {true, ""};
  if (!event.changed_paths) return {true, "paths filter not checked (changed files unknown)"};
  for (const std::string& path : *event.changed_paths) {
    bool included = filter.paths.empty() || filter_match(filter.paths, path);
    bool ignored = !filter.paths_ignore.empty() && any_glob(filter.paths_ignore, path);
    if (included && !ignored) return {true, ""};
  }
  return {false, "no changed file matches the paths filter"};
}

}  // namespace

std::string Event::branch() const {
  return strip_prefix(ref, "refs/heads/");
}
std::string Event::tag() const {
  return strip_prefix(ref, "refs/tags/");
}

TriggerDecision decide_trigger(const spec::Workflow& workflow, const Event& event) {
  const spec::Triggers& on = workflow.on;
  if (event.name == "schedule") {
    if (on.schedules.empty()) return {false, "no 'schedule' trigger"};
    // The controller fires one event per due cron line (github.event.schedule): only the
    // workflows listing that line run. Without it (sluice run --event schedule) all do.
    const Value* cron = event.payload.is_object() ? event.payload.find("schedule") : nullptr;
    if (!cron || !cron->is_string()) return {true, ""};
    for (const spec::Scalar& line : on.schedules)
      if (line.text == cron->as_string()) return {true, ""};
    return {false, "no schedule '" + cron->as_string() + "'"};
  }
  if (event.name == "workflow_dispatch") {
    if (!on.workflow_dispatch) return {false, "no 'workflow_dispatch' trigger"};
    return {true, ""};
  }
  if (event.name == "workflow_call") {
    if (!on.workflow_call) return {false, "no 'workflow_call' trigger"};
    return {true, ""};
  }
  const spec::EventFilter* filter = on.find(event.name);
  if (!filter) return {false, "no '" + event.name + "' trigger"};

  if (event.name == "push") {
    bool has_branch_filter = !filter->branches.empty() || !filter->branches_ignore.empty();
    bool has_tag_filter = !filter->tags.empty() || !filter->tags_ignore.empty();
    std::string tag = event.tag();
    if (!tag.empty()) {
      // A tag push with only branch filters does not run (GitHub's rule).
      if (has_branch_filter && !has_tag_filter) return {false, "tag push, but only branch filters"};
      TriggerDecision d = check_pair(filter->tags, filter->tags_ignore, tag, "tags");
      if (!d.triggered) return d;
    } else {
      if (has_tag_filter && !has_branch_filter) return {false, "branch push, but only tag filters"};
      TriggerDecision d =
          check_pair(filter->branches, filter->branches_ignore, event.branch(), "branches");
      if (!d.triggered) return d;
    }
  } else if (event.name == "pull_request" || event.name == "pull_request_target") {
    std::string base = event.base_ref.empty() ? event.branch() : event.base_ref;
    TriggerDecision d = check_pair(filter->branches, filter->branches_ignore, base, "branches");
    if (!d.triggered) return d;
  }
  return check_paths(*filter, event);
}

bool only_called_by_workflows(const spec::Workflow& workflow) {
  // on.events names every event under `on`, workflow_call itself included.
  if (!workflow.on.workflow_call) return false;
  for (const spec::EventFilter& event : workflow.on.events)
    if (event.event != "workflow_call") return false;
  return true;
}

}  // namespace sluice::plan
