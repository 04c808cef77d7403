// Forecast: the what-if view of `sluice plan` — which workflows an event triggers, the
// job graph with matrix instances, and for each job whether it will run or why not,
// decided statically where the answer does not depend on other jobs' results.
#pragma once

#include <string>
#include <vector>

#include "core/value.h"
#include "plan/event.h"
#include "plan/run_plan.h"

namespace sluice::plan {

struct JobForecast {
  std::string key;
  std::string id;
  std::string name;
  std::vector<std::string> needs;
  std::vector<Value> matrix;    // expanded combinations (empty: no matrix or dynamic)
  bool matrix_dynamic = false;  // the matrix depends on needed jobs' outputs
  std::string decision;         // "run" | "skip" | "runtime" (decided when the run gets there)
  std::string reason;
};

struct WorkflowForecast {
  std::string file;
  std::string name;
  bool triggered = false;
  std::string reason;  // why not triggered, or a note
  std::vector<JobForecast> jobs;
};

// `plan` may be null when the workflow is not triggered (jobs are then not listed).
// `contexts`: github, inputs and vars, as the run would see them.
WorkflowForecast forecast(const spec::Workflow& workflow, const RunPlan* plan,
                          const TriggerDecision& trigger, const Value& contexts);

// The stable JSON shape documented in docs/cli.md:
// {"file","name","triggered","reason","jobs":[{"key","id","name","needs":[],"matrix":[..]|null,
//   "matrix_dynamic","instances","decision","reason"}]}
Value forecast_to_value(const WorkflowForecast& forecast);

}  // namespace sluice::plan
