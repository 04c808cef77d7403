// What a `sluice/deploy` step asks for, typed and validated: the strategy, the targets, the
// revision, the user's hooks by CodeDeploy lifecycle name, canary steps and checks.
// deploy_inputs.h builds it from the step's inputs (and appspec.h from an appspec.yml);
// deployer.h carries it out. It is also what the journal's first entry records (as JSON),
// so that recovery can roll a deployment back after the process that ran it died.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/diagnostic.h"
#include "core/result.h"
#include "deploy/checks.h"

namespace sluice::deploy {

enum class Strategy { kAllAtOnce, kRolling, kBlueGreen, kCanary };
const char* to_string(Strategy strategy);  // all-at-once | rolling | blue-green | canary
Result<Strategy> parse_strategy(const std::string& text);

// The hooks a deployment runs, with CodeDeploy's names (LIFECYCLE_EVENT) plus sluice's own
// SetTraffic (route traffic to a colour or weight) and Promote (a canary made final).
enum class LifecycleEvent {
  kApplicationStop,  // runs the script of the previous good revision
  kBeforeInstall,
  kInstall,
  kAfterInstall,
  kApplicationStart,
  kValidateService,
  kBeforeBlockTraffic,
  kAfterBlockTraffic,
  kBeforeAllowTraffic,
  kAfterAllowTraffic,
  kSetTraffic,
  kPromote,
};
const char* to_string(LifecycleEvent event);  // "ApplicationStop", ..., "SetTraffic", "Promote"
// Accepts CodeDeploy's spelling ("BeforeInstall") and the kebab case ("before-install").
std::optional<LifecycleEvent> parse_lifecycle_event(const std::string& text);
std::vector<std::string> lifecycle_event_names();

struct HookScript {
  std::string command;  // run by `bash -c` (hooks input), or a file path (appspec location)
  bool is_file = false;
  std::chrono::milliseconds timeout{3'600'000};  // CodeDeploy's default and maximum
  std::string runas;                             // a user name; "" = sluice's own user
  SourcePos pos;                                 // where it was declared
};

struct Target {
  std::string name;    // what hooks get as SLUICE_DEPLOY_TARGET
  std::string colour;  // blue | green for blue-green and canary; "" otherwise
};

// CodeDeploy's MinimumHealthyHosts: HOST_COUNT (`3`) or FLEET_PERCENT (`75%`).
struct MinHealthy {
  bool percent = false;
  int value = 0;
};
Result<MinHealthy> parse_min_healthy(const std::string& text);

struct CanaryStep {
  enum class Kind { kSetWeight, kPause, kAnalysis } kind = Kind::kSetWeight;
  int weight = 0;                                  // kSetWeight: percent to the new colour
  std::optional<std::chrono::milliseconds> pause;  // kPause: nullopt = until promoted
  std::vector<std::string> checks;                 // kAnalysis: names of checks
  SourcePos pos;
};

using HookMap = std::map<LifecycleEvent, std::vector<HookScript>>;

struct DeploySpec {
  Strategy strategy = Strategy::kAllAtOnce;
  std::vector<Target> targets;
  std::string revision;
  std::string environment;  // DEPLOYMENT_GROUP_NAME
  std::optional<MinHealthy> min_healthy;
  HookMap hooks;
  std::string hooks_dir;  // the working directory of hooks (the appspec's dir or the workspace)
  std::vector<CanaryStep> steps;
  std::vector<CheckSpec> checks;
  std::chrono::milliseconds rollback_window{0};  // blue-green: old colour kept this long
  bool auto_rollback = true;
};

// The spec as JSON and back (the journal's "deployment started" entry).
std::string to_json(const DeploySpec& spec);
Result<DeploySpec> spec_from_json(const std::string& json);

}  // namespace sluice::deploy
