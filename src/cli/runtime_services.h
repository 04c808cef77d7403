// The Actions runtime services of one `sluice run` / `sluice rerun` workflow run: started
// before the run, handed to every job through RunOptions::job_env, stopped after it.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "core/secret_masker.h"
#include "engine/run_context.h"
#include "runtime/runtime_server.h"

namespace sluice::cli {

// Starts the services on loopback and sets `options.job_env` so that each job's steps get
// their URLs and a token for that job (added to `masker`: it is a credential). `repo_dir`
// tells the default branch (the cache's fallback scope). Returns null, after a warning on
// stderr, when the services cannot start: the run goes on without them.
std::unique_ptr<runtime::RuntimeServer> start_runtime_services(
    const std::filesystem::path& data_dir, const std::string& repo_dir, engine::RunOptions& options,
    std::shared_ptr<SecretMasker> masker);

// The default branch's ref for the cache's fallback scope: origin's HEAD when the
// repository has one, else the event's repository.default_branch, else refs/heads/main.
std::string default_branch_ref(const std::string& repo_dir, const Value& event);

}  // namespace sluice::cli
