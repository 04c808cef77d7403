// The event that starts a run, and whether a workflow's `on:` filters accept it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/value.h"
#include "spec/workflow.h"

namespace sluice::plan {

struct Event {
  std::string name = "push";  // push | pull_request | schedule | workflow_dispatch | ...
  std::string ref;            // refs/heads/main, refs/tags/v1
  std::string sha;
  std::string base_ref;  // pull_request: target branch
  std::string head_ref;  // pull_request: source branch
  // Files changed by the event; nullopt when unknown (path filters then pass, with a note).
  std::optional<std::vector<std::string>> changed_paths;
  std::vector<std::pair<std::string, std::string>> inputs;  // workflow_dispatch --input k=v
  Value payload = Value::object();                          // github.event

  std::string branch() const;  // "main" for refs/heads/main, else ""
  std::string tag() const;     // "v1" for refs/tags/v1, else ""
};

struct TriggerDecision {
  bool triggered = false;
  std::string reason;  // why not (or a note such as "paths not checked")
};

// Applies `on:` of the workflow to the event: is the event listed, and do its branch,
// tag and path filters (with GitHub's rules: branches vs tags, -ignore lists, negation)
// accept it?
TriggerDecision decide_trigger(const spec::Workflow& workflow, const Event& event);

// A workflow with `on: workflow_call` and no other trigger is a reusable workflow that
// only other workflows run: `sluice run` without --workflow leaves it out.
bool only_called_by_workflows(const spec::Workflow& workflow);

}  // namespace sluice::plan
