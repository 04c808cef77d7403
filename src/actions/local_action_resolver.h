// LocalActionResolver: finds what `uses:` names on this machine.
//
//   ./path                  an action directory in the workspace (action.yml|action.yaml)
//   owner/repo[/path]@ref   a copy under the actions directory:
//                           <actions_dir>/<owner>/<repo>/<ref>[/path] (nothing is downloaded)
//   actions/checkout@*      built in: the workspace is the run's checkout
//   sluice/scan@*           built in: the policy and secret scanning gate
//   docker://image          a Docker action (run by exec/container/)
#pragma once

#include <string>

#include "engine/action_resolver.h"

namespace sluice::actions {

class LocalActionResolver : public engine::ActionResolver {
 public:
  // `sluice_binary`: absolute path of the running sluice (built-ins call it back).
  LocalActionResolver(std::string actions_dir, std::string sluice_binary);

  Result<std::shared_ptr<const engine::ResolvedAction>> resolve(
      const std::string& uses, const std::string& workspace) override;

  // ~/.cache/sluice/actions (or $XDG_CACHE_HOME/sluice/actions).
  static std::string default_actions_dir();

  // The override copy of `owner/repo[/path]@ref` under the actions directory, when it has
  // an action.yml there; "" otherwise.
  std::string override_dir(const std::string& uses) const;
  // Where that copy would be (whether or not it exists); "" for an invalid name.
  std::string copy_dir(const std::string& uses) const;

  // Reads the action in `dir` (errors name `uses` and `searched`).
  static Result<std::shared_ptr<const engine::ResolvedAction>> load(const std::string& uses,
                                                                    const std::string& dir,
                                                                    const std::string& searched);

 private:
  std::string actions_dir_;
  std::string sluice_binary_;
};

}  // namespace sluice::actions
