// The Actions runtime services of one `sluice run` / `sluice rerun` workflow run: started
// before the run, handed to every job through RunOptions::job_env, stopped after it.
#pragma once

#include <filesystem>
#include <iosfwd>
#include <memory>
#include <string>

#include "core/secret_masker.h"
#include "engine/run_context.h"
#include "expr/expression.h"
#include "plan/run_plan.h"
#include "runtime/runtime_server.h"

namespace sluice::runner {

// Starts the services on loopback and sets `options.job_env` so that each job's steps get
// their URLs and a token for that job (added to `masker`: it is a credential); jobs of
// `plan` with `permissions: id-token: write` also get the OIDC request variables
// (docs/oidc.md). `repo_dir` tells the default branch (the cache's fallback scope).
// `options` and `plan` must outlive the run (job_env reads options.github when a job
// starts, after the engine has set run_number). Returns null, after a warning on
// `warnings` (which must outlive the run too), when the services cannot start: the run
// goes on without them.
std::unique_ptr<runtime::RuntimeServer> start_runtime_services(
    const std::filesystem::path& data_dir, const std::string& repo_dir, engine::RunOptions& options,
    const plan::RunPlan& plan, std::shared_ptr<SecretMasker> masker, std::ostream& warnings);

// The planned job a job key of the run names: "build", "build (linux, 18)" (a matrix
// instance of "build"), "release / publish". Null when none.
const plan::PlannedJob* planned_job_of(const plan::RunPlan& plan, const std::string& job_key);
// True when `permissions: id-token: write` applies to `job`: its own permissions, else its
// workflow's, else (in a called workflow) its caller's, as GitHub resolves them.
bool id_token_writable(const plan::RunPlan& plan, const plan::PlannedJob& job);
// The claims of the ID tokens of `job` in a run described by the github context `github`
// (run_id, run_number set). An error when the job's environment name cannot be evaluated
// before the job runs (it names a matrix value, say): no token rather than a wrong `sub`.
Result<runtime::IdTokenClaims> id_token_claims(const plan::RunPlan& plan,
                                               const plan::PlannedJob& job, const Value& github,
                                               const expr::EvalContext& context);

// The default branch's ref for the cache's fallback scope: origin's HEAD when the
// repository has one, else the event's repository.default_branch, else refs/heads/main.
std::string default_branch_ref(const std::string& repo_dir, const Value& event);

}  // namespace sluice::runner
