// Recovery: what happens to a deployment whose sluice process died mid-way (SIGKILL, OOM,
// power cut). Its journal's last entry is not final and the process recorded as its owner
// (store/run_owner.h) no longer holds its lock. Such a deployment is rolled back, never
// resumed: whatever the journal says may have happened (a hook started, traffic sent to
// the new colour) is undone by a rollback deployment of the last good revision, exactly as
// a failure would have been (CodeDeploy treats a deployment whose agent vanished the same
// way). A rollback deployment that was itself cut short is marked interrupted and its
// original is rolled back afresh.
//
// Who runs it: every `sluice/deploy` step first recovers the orphans of its environment
// (a new deployment never starts on top of a half-switched one), `sluice run --resume RUN`
// those of the run it resumes, the controller (`sluice serve`) all of them when it starts,
// and `sluice deploy recover` does it on demand.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "deploy/deployer.h"

namespace sluice::deploy {

// Rolls back every cut-short deployment of `environment` ("" = every environment) and of
// run `run_id` (0 = every run) whose owner `owner_gone` says is gone; `owner` is the
// recovering process's token. Returns one outcome per deployment it acted on (none when
// there was nothing to do).
Result<std::vector<DeployOutcome>> recover_orphans(
    const DeployParts& parts, const std::string& environment,
    const std::function<bool(const std::string& owner)>& owner_gone, const std::string& owner,
    int64_t run_id = 0);

}  // namespace sluice::deploy
