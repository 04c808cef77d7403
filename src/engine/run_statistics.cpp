#include "engine/run_statistics.h"

namespace sluice::engine {

RunStatistics compute_job_statistics(const std::vector<JobRecord>& instances) {
  RunStatistics stats;
  for (const JobRecord& job : instances) {
    if (job.reason == "matrix") continue;  // a matrix job's own record; its instances count
    ++stats.total;
    switch (job.status) {
      case RunStatus::kSuccess: ++stats.succeeded; break;
      case RunStatus::kFailure: ++stats.failed; break;
      case RunStatus::kTimedOut: ++stats.timed_out; break;
      case RunStatus::kCancelled: ++stats.cancelled; break;
      case RunStatus::kSkipped: ++stats.skipped; break;
      case RunStatus::kQueued:
      case RunStatus::kWaiting:
      case RunStatus::kRunning: ++stats.running; break;
    }
  }
  return stats;
}

std::string format_run_statistics(const RunStatistics& s) {
  return std::to_string(s.total) + " actions: " + std::to_string(s.succeeded) + " succeeded, " +
         std::to_string(s.failed) + " failed, " + std::to_string(s.timed_out) + " timed out, " +
         std::to_string(s.cancelled) + " cancelled, " + std::to_string(s.skipped) + " skipped, " +
         std::to_string(s.running) + " running";
}

}  // namespace sluice::engine
