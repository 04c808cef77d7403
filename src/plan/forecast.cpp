#include "plan/forecast.h"

#include <map>

#include "expr/expression.h"
#include "plan/matrix.h"

namespace sluice::plan {
namespace {

bool reads_runtime_state(const std::vector<std::string>& paths) {
  for (const std::string& p : paths)
    for (const char* prefix :
         {"needs", "steps", "job", "jobs", "matrix", "strategy", "env", "secrets", "runner"})
      if (p == prefix || p.rfind(std::string(prefix) + ".", 0) == 0) return true;
  return false;
}

bool matrix_reads_needs(const Value& v) {
  if (v.is_string()) return v.as_string().find("needs.") != std::string::npos;
  if (v.is_array())
    for (const Value& e : v.as_array())
      if (matrix_reads_needs(e)) return true;
  if (v.is_object())
    for (const auto& [k, e] : v.as_object())
      if (matrix_reads_needs(e)) return true;
  return false;
}

}  // namespace

WorkflowForecast forecast(const spec::Workflow& workflow, const RunPlan* plan,
                          const TriggerDecision& trigger, const Value& contexts) {
  WorkflowForecast out;
  out.file = workflow.file;
  out.name = workflow.display_name();
  out.triggered = trigger.triggered;
  out.reason = trigger.reason;
  if (!plan || !trigger.triggered) return out;
  expr::EvalContext ctx;
  ctx.contexts = contexts;
  std::map<std::string, const JobForecast*> by_key;
  out.jobs.reserve(plan->jobs.size());
  for (const PlannedJob& job : plan->jobs) {
    JobForecast f;
    f.key = job.key;
    f.id = job.job_id;
    f.name = job.job->name ? job.job->name->text : job.job_id;
    f.needs = job.needs;
    f.decision = "run";
    // A job whose default success() needs a job that is skipped is skipped too.
    std::string condition = job.job->if_condition ? job.job->if_condition->text : "";
    auto parsed = expr::parse_condition(condition);
    bool uses_status = parsed.ok() && parsed->uses_status_function && !condition.empty();
    for (const std::string& need : job.needs) {
      auto it = by_key.find(need);
      if (it == by_key.end()) continue;
      if (it->second->decision == "skip" && !uses_status) {
        f.decision = "skip";
        f.reason = "needed job '" + it->second->id + "' is skipped";
      } else if (it->second->decision == "runtime" && f.decision == "run") {
        f.decision = "runtime";
        f.reason = "depends on whether '" + it->second->id + "' runs";
      }
    }
    if (!job.caller_key.empty()) {
      auto caller = by_key.find(job.caller_key);
      if (caller != by_key.end() && caller->second->decision != "run" && f.decision == "run") {
        f.decision = caller->second->decision;
        f.reason = "its calling job '" + caller->second->id + "' " +
                   (f.decision == "skip" ? "is skipped" : "is decided at run time");
      }
    }
    if (f.decision == "run" && !condition.empty()) {
      if (!parsed.ok()) {
        f.decision = "runtime";
        f.reason = "invalid if: " + parsed.error().message;
      } else if (uses_status || reads_runtime_state(expr::referenced_paths(*parsed))) {
        f.decision = "runtime";
        f.reason = "if: " + condition + " (decided at run time)";
      } else {
        auto value = expr::evaluate_condition(*parsed, ctx);
        if (value.ok() && !*value) {
          f.decision = "skip";
          f.reason = "if: " + condition + " is false";
        }
      }
    }
    if (job.job->strategy.matrix) {
      if (matrix_reads_needs(*job.job->strategy.matrix)) {
        f.matrix_dynamic = true;
      } else {
        auto evaluated = evaluate_matrix(*job.job->strategy.matrix, ctx);
        auto combos = evaluated.ok() ? expand_matrix(*evaluated)
                                     : Result<std::vector<Value>>(evaluated.error());
        if (combos.ok()) {
          f.matrix = std::move(*combos);
        } else {
          f.decision = "runtime";
          f.reason = "strategy.matrix: " + combos.error().message;
        }
      }
    }
    out.jobs.push_back(std::move(f));
    by_key[out.jobs.back().key] = &out.jobs.back();
  }
  return out;
}

Value forecast_to_value(const WorkflowForecast& f) {
  Value out = Value::object();
  out.set("file", f.file);
  out.set("name", f.name);
  out.set("triggered", f.triggered);
  out.set("reason", f.reason);
  Value::Array jobs;
  for (const JobForecast& j : f.jobs) {
    Value job = Value::object();
    job.set("key", j.key);
    job.set("id", j.id);
    job.set("name", j.name);
    Value::Array needs(j.needs.begin(), j.needs.end());
    job.set("needs", Value::array(std::move(needs)));
    job.set("matrix", j.matrix.empty() ? Value() : Value::array(j.matrix));
    job.set("matrix_dynamic", j.matrix_dynamic);
    job.set("instances", j.matrix_dynamic
                             ? Value()
                             : Value(static_cast<int>(j.matrix.empty() ? 1 : j.matrix.size())));
    job.set("decision", j.decision);
    job.set("reason", j.reason);
    jobs.push_back(job);
  }
  out.set("jobs", Value::array(std::move(jobs)));
  return out;
}

}  // namespace sluice::plan
