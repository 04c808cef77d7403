#include "engine/rerun_selection.h"

#include "core/json.h"

namespace sluice::engine {

std::map<std::string, RunOptions::ReusedJob> reusable_jobs(const plan::RunPlan& plan,
                                                           const std::vector<JobRecord>& prior,
                                                           int64_t prior_run_id) {
  std::map<std::string, const JobRecord*> by_key;
  for (const JobRecord& job : prior) by_key[job.key] = &job;
  std::map<std::string, RunOptions::ReusedJob> reused;
  // plan.jobs lists needs before dependants, but an inner job may come before its caller:
  // passes until nothing changes (at most a few: called workflows nest shallowly).
  for (bool changed = true; changed;) {
    changed = false;
    for (const plan::PlannedJob& job : plan.jobs) {
      auto record = by_key.find(job.key);
      if (reused.count(job.key) > 0 || record == by_key.end() ||
          record->second->status != RunStatus::kSuccess)
        continue;
      bool upstream_reused = job.caller_key.empty() || reused.count(job.caller_key) > 0;
      for (const std::string& need : job.needs)
        upstream_reused = upstream_reused && reused.count(need) > 0;
      if (!upstream_reused) continue;
      RunOptions::ReusedJob entry;
      if (!record->second->outputs_json.empty()) {
        auto outputs = parse_json(record->second->outputs_json);
        if (outputs.ok() && outputs->is_object()) entry.outputs = *outputs;
      }
      entry.reason = "succeeded in run " + std::to_string(prior_run_id);
      reused.emplace(job.key, std::move(entry));
      changed = true;
    }
  }
  return reused;
}

}  // namespace sluice::engine
