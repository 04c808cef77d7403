// Where `sluice run`, `rerun` and `plan` get actions and remote reusable workflows from:
// the --actions-dir override, the --action-source list (or SLUICE_ACTION_SOURCES), the
// shared action cache, --offline. One ActionSetup per command; docs/actions.md.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "actions/local_action_resolver.h"
#include "actions/remote_action_resolver.h"
#include "actions/repository_fetcher.h"
#include "plan/run_plan.h"

namespace sluice::runner {

struct ActionArgs {
  std::string actions_dir;  // "" : the default override directory
  std::vector<std::string> sources;
  bool offline = false;
};

struct ActionSetup {
  actions::LocalActionResolver local;
  actions::RepositoryFetcher fetcher;
  actions::RemoteActionResolver resolver;
  plan::CalledWorkflowLoader workflow_loader;
  std::string tool_cache_dir;  // RUNNER_TOOL_CACHE: <cache root>/tool-cache, kept across runs

  ActionSetup(std::string actions_dir, actions::ActionCache cache, actions::FetchOptions options);
};

// Null after printing `sluice COMMAND: ...` when a source is not a URL sluice can use.
std::unique_ptr<ActionSetup> make_action_setup(const char* command, const ActionArgs& args);

// Fetches the remote actions of `plan` before it runs (RemoteActionResolver::prefetch);
// prints each failure as file:line:col and returns false when there was one.
bool prefetch_actions(ActionSetup& setup, const plan::RunPlan& plan, const std::string& workspace);

}  // namespace sluice::runner
