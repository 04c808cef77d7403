// The deployer: carries out a DeploySpec with the user's hooks, checks and traffic switch,
// and rolls back automatically (CodeDeploy semantics: a new deployment of the last good
// revision through that revision's hooks, recorded as such) on a failed hook, a failed
// check, an abort request (`sluice deploy abort`) or the run's cancellation.
//
// Strategies:
//   all-at-once, rolling  in place: per batch (batches.h), every target of the batch side
//       by side: BeforeBlockTraffic, AfterBlockTraffic, ApplicationStop (the previous good
//       revision's script), BeforeInstall, Install, AfterInstall, ApplicationStart,
//       ValidateService, BeforeAllowTraffic, AfterAllowTraffic. The first failure stops
//       the rollout; the targets touched so far are rolled back. Then `checks`, if any.
//   blue-green  the install events on the idle colour's targets; BeforeAllowTraffic,
//       SetTraffic (colour = idle, weight 100), AfterAllowTraffic; then `checks` and the
//       rollback window, during which a failed check or an abort switches traffic back to
//       the old colour, which still runs the previous revision.
//   canary  the install events on the idle colour; then `steps` in order: set-weight
//       (SetTraffic with the weight of the new colour), pause (a duration, or until
//       `sluice deploy promote`), analysis (named checks). After the last step: weight
//       100, AfterAllowTraffic, Promote. A rollback sets the weight back to 0.
//   Inconclusive analysis pauses until a person promotes (go on) or aborts (roll back).
//
// Every transition is journalled (journal.h) before it is acted on. Threading: run() on
// one thread; it starts one thread per target of a batch and joins them before it goes on.
#pragma once

#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "deploy/checks.h"
#include "deploy/deploy_spec.h"
#include "deploy/hook_runner.h"
#include "deploy/journal.h"
#include "engine/store.h"

namespace sluice::deploy {

struct DeployParts {
  HookRunner& hooks;
  CheckProbe& probe;
  DeployClock& clock;
  engine::Store& store;
  std::function<int64_t()> now_ms;  // epoch ms, for journal entries
  std::function<bool()> cancelled;  // the run was cancelled (SIGTERM): abort and roll back
  std::ostream& log;
};

struct DeployRequest {
  int64_t run_id = 0;
  std::string owner;                       // this process's token (store/run_owner.h)
  std::optional<GoodDeployment> previous;  // the environment's last good deployment
  std::string deployment_id;               // "" = a new one (new_deployment_id)
};

enum class DeployStatus {
  kSucceeded,   // the new revision is live
  kRolledBack,  // it failed (or was aborted) and the last good revision is live again
  kFailed,      // it failed and could not be rolled back (no last good revision, rollback
                // disabled, or the rollback failed too)
};
const char* to_string(DeployStatus status);  // succeeded | rolled-back | failed

struct DeployOutcome {
  DeployStatus status = DeployStatus::kFailed;
  std::string reason;  // why it failed or was rolled back
  std::string deployment_id;
  std::string rollback_id;  // the rollback deployment, when there was one
  std::string revision;     // the revision live at the end ("" when unknown)
  std::string colour;       // the colour serving traffic at the end (blue-green, canary)
};

// Validates what the spec alone cannot (colours present for blue-green and canary, the
// checks named by analysis steps exist, batches computable). Errors name the input.
Status check_deployable(const DeploySpec& spec);

DeployOutcome deploy(const DeployParts& parts, const DeploySpec& spec,
                     const DeployRequest& request);

// Rolls back a deployment whose process died before it finished (`journal` is all of its
// entries; its last one is not final). A rollback deployment that was itself cut short is
// only marked interrupted: its original is rolled back afresh.
DeployOutcome recover(const DeployParts& parts,
                      const std::vector<engine::DeployJournalEntry>& journal,
                      const std::optional<GoodDeployment>& previous, const std::string& owner);

}  // namespace sluice::deploy
