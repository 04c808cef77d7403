// The `sluice/deploy@v1` step's inputs -> DeploySpec (docs/deployments.md):
//   strategy         all-at-once (default) | rolling | blue-green | canary
//   targets          names, one per line or comma-separated; `blue=NAME` / `green=NAME`
//                    give blue-green and canary targets their colour
//   revision         default: the commit (GITHUB_SHA)
//   environment      DEPLOYMENT_GROUP_NAME; deployments of one environment share a history
//   min-healthy      rolling: `3` or `75%` (CodeDeploy's MinimumHealthyHosts)
//   appspec          path of a CodeDeploy appspec.yml (appspec.h)
//   hooks            YAML: lifecycle event -> command, list of commands, or list of
//                    {command, timeout, runas}; CodeDeploy or kebab-case names
//   steps            YAML (canary): a list of `set-weight: N`, `pause: 30s` or `pause: {}`
//                    (until promoted), `analysis: [check, ...]`
//   checks           YAML: a list of {name, http|prometheus|command, ...} (checks.h)
//   rollback-window  blue-green: how long the old colour stays ready for an instant switch back
//   auto-rollback    true (default) | false
// (`targets-command` is run by the action before this, and its output given as `targets`.)
// YAML inputs report errors as "with.hooks:LINE:COL"; every problem is reported, not the first.
#pragma once

#include <map>
#include <string>

#include "core/diagnostic.h"
#include "deploy/deploy_spec.h"

namespace sluice::deploy {

struct InputDefaults {
  std::string workspace;  // the base of relative paths and the hooks' working directory
  std::string revision;   // GITHUB_SHA
};

DeploySpec read_deploy_inputs(const std::map<std::string, std::string>& inputs,
                              const InputDefaults& defaults, Diagnostics& diagnostics);

// Targets as the input writes them; errors (empty names, duplicates, unknown colours) go
// to `diagnostics`.
std::vector<Target> parse_targets(const std::string& text, Diagnostics& diagnostics);

HookMap parse_hooks_input(const std::string& text, Diagnostics& diagnostics);
std::vector<CanaryStep> parse_steps_input(const std::string& text, Diagnostics& diagnostics);
std::vector<CheckSpec> parse_checks_input(const std::string& text, Diagnostics& diagnostics);

}  // namespace sluice::deploy
