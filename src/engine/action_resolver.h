// ActionResolver: what a step's `uses:` refers to. The engine asks; the actions/ room
// answers (local directories, the actions cache, sluice's built-in actions).
#pragma once

#include <memory>
#include <string>

#include "core/result.h"
#include "spec/action.h"

namespace sluice::engine {

struct ResolvedAction {
  enum class Kind {
    kComposite,  // action.steps run in a nested frame
    kNode,       // action.main/pre/post run with node
    kBuiltin,    // a bash script provided by sluice (checkout, scan, ...), run like `run:`
    kDocker,     // runs.using: docker, or `uses: docker://IMAGE` (action.image says which)
  };
  Kind kind = Kind::kComposite;
  std::string uses;            // as written
  std::string dir;             // the action's directory (GITHUB_ACTION_PATH); "" for built-ins
  spec::Action action;         // inputs (with defaults) and outputs for every kind
  std::string builtin_script;  // kBuiltin only; reads its inputs from INPUT_* variables
  // Remote actions (`owner/repo[/path]@ref`): github.action_repository / action_ref and
  // the commit that was fetched. Empty for local and built-in actions, as on GitHub.
  std::string repository;
  std::string ref;
  std::string sha;
};

class ActionResolver {
 public:
  virtual ~ActionResolver() = default;
  // Errors name the action and, when not found, the directories searched.
  virtual Result<std::shared_ptr<const ResolvedAction>> resolve(const std::string& uses,
                                                                const std::string& workspace) = 0;
};

}  // namespace sluice::engine
