// Run statistics as the scheduled data pipeline of the CI/CD-for-data-pipelines write-up
// reports them: one "action" per job instance (each matrix combination counts; a caller
// of a reusable workflow does not, its called jobs do).
#pragma once

#include <string>
#include <vector>

#include "engine/run_model.h"

namespace sluice::engine {

RunStatistics compute_job_statistics(const std::vector<JobRecord>& instances);

// "7 actions: 7 succeeded, 0 failed, 0 timed out, 0 cancelled, 0 skipped, 0 running"
std::string format_run_statistics(const RunStatistics& statistics);

}  // namespace sluice::engine
