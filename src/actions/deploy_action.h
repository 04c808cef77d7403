// The body of `sluice/deploy@v1`, run as `sluice __deploy` inside a step (so the step's
// log, timeout and cancellation apply), and the store-side commands behind
// `sluice deploy promote|abort|status|recover` (docs/deployments.md).
//
// Where the journal lives: the run's data dir. A step finds it in $SLUICE_DATA_DIR, else
// from $SLUICE_ARTIFACTS_DIR (<data dir>/artifacts/<run>), else $GITHUB_WORKSPACE/.sluice.
#pragma once

#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <string>

namespace sluice::engine {
class Store;
}

namespace sluice::actions {

// Reads the inputs from INPUT_* (deploy/deploy_inputs.h), rolls back any cut-short
// deployment of the same environment whose process is gone, then deploys. Returns 0 when
// the new revision is live, 1 when the deployment failed (rolled back or not: the reason
// is an `::error::`), 2 for invalid inputs. Writes deployment-id, status, revision, colour
// and rollback-id to $GITHUB_OUTPUT.
int run_deploy(std::ostream& out, std::ostream& err);

enum class DeployRequestKind { kPromote, kAbort };
// Records a promote/abort request for the unfinished deployments of run `run_id`; the
// deployer acts on it within ~100 ms. Returns 0, or 2 when the run has none.
int request_deploy(const std::string& data_dir, int64_t run_id, DeployRequestKind kind,
                   std::ostream& out, std::ostream& err);

// Lists deployments (newest first) with their last journal entry; `run_id` 0 = all.
int show_deploy_status(const std::string& data_dir, const std::string& environment, int64_t run_id,
                       std::ostream& out, std::ostream& err);

// Rolls back cut-short deployments whose process is gone (deploy/recovery.h).
int recover_deployments(const std::string& data_dir, const std::string& environment,
                        std::ostream& out, std::ostream& err);

// The same, for a process that already holds `store` and the owner lock of `data_dir`
// (`owner_token`): `sluice run --resume` (the deployments of run `run_id`) and the
// controller at start (`run_id` 0: all). Returns 0, or 1 when one could not be rolled back.
int recover_run_deployments(engine::Store& store, const std::filesystem::path& data_dir,
                            const std::string& owner_token, int64_t run_id, std::ostream& out,
                            std::ostream& err);

}  // namespace sluice::actions
