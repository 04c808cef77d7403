// RemoteActionResolver: the resolver `sluice run` uses. `owner/repo[/path]@ref` actions
// come from, in order: sluice's built-ins (actions/checkout, sluice/scan), the actions
// directory (an override copy that wins: <actions_dir>/<owner>/<repo>/<ref>), then the
// action cache, fetched with git from the action sources when missing
// (RepositoryFetcher). Local (`./`) and Docker actions go to the LocalActionResolver.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "actions/local_action_resolver.h"
#include "actions/repository_fetcher.h"
#include "engine/action_resolver.h"
#include "plan/run_plan.h"

namespace sluice::actions {

class RemoteActionResolver : public engine::ActionResolver {
 public:
  RemoteActionResolver(LocalActionResolver& local, RepositoryFetcher& fetcher);

  Result<std::shared_ptr<const engine::ResolvedAction>> resolve(
      const std::string& uses, const std::string& workspace) override;

  // Fetches every remote action the plan's jobs use, and those their composite actions
  // use in turn, before the run starts: the engine's event loop then never waits for the
  // network, and a missing action is reported up front. Errors carry the `uses:` position.
  std::vector<Error> prefetch(const plan::RunPlan& plan, const std::string& workspace);

  // The hook plan::build_run_plan calls for `owner/repo/.github/workflows/f.yml@ref`.
  plan::CalledWorkflowLoader workflow_loader();

 private:
  void prefetch_steps(const std::vector<spec::Step>& steps, const std::string& workspace, int depth,
                      std::vector<Error>& errors);

  LocalActionResolver& local_;
  RepositoryFetcher& fetcher_;
  // Remote actions by `uses:` text: a commit's files never change, so each is read once
  // per process however many jobs and matrix entries use it.
  std::map<std::string, std::shared_ptr<const engine::ResolvedAction>> remote_;
};

}  // namespace sluice::actions
