// `sluice rerun --failed`: which jobs of a finished run run again, as GitHub's "Re-run
// failed jobs" decides it. A job is reused (not run again; its success and outputs carried
// over) when it succeeded, every job it needs is reused, and, for a job of a called
// workflow, its caller is reused. So failed, cancelled, skipped and interrupted jobs run
// again, and with them every job downstream of one. A matrix job is one unit: it is
// reused only when it succeeded as a whole.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "engine/run_context.h"
#include "engine/run_model.h"
#include "plan/run_plan.h"

namespace sluice::engine {

std::map<std::string, RunOptions::ReusedJob> reusable_jobs(const plan::RunPlan& plan,
                                                           const std::vector<JobRecord>& prior,
                                                           int64_t prior_run_id);

}  // namespace sluice::engine
