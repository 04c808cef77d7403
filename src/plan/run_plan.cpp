#include "plan/run_plan.h"

#include <algorithm>
#include <filesystem>
#include <functional>
#include <map>
#include <set>

#include "spec/validator.h"
#include "spec/workflow_loader.h"

namespace sluice::plan {
namespace {

class PlanBuilder {
 public:
  PlanBuilder(RunPlan& plan, const std::string& repo_root, Diagnostics& diagnostics,
              const CalledWorkflowLoader& remote)
      : plan_(plan), diagnostics_(diagnostics), remote_(remote) {
    roots_[plan.workflow] = repo_root;
  }

  // Adds the jobs of `workflow` under `prefix` ("" or "caller / ").
  void add_workflow(const spec::Workflow& workflow, const std::string& prefix,
                    const std::string& caller_key, int depth) {
    for (const spec::Job& job : workflow.jobs) {
      if (unordered_.size() >= kMaxPlannedJobs) {
        if (!too_many_jobs_)
          diagnostics_.error(job.pos,
                             "too many jobs: with the jobs of the workflows it calls, this run has "
                             "more than " +
                                 std::to_string(kMaxPlannedJobs) + " jobs",
                             "call fewer reusable workflows, or split the work into several "
                             "workflows");
        too_many_jobs_ = true;
        return;
      }
      PlannedJob planned;
      planned.key = prefix + job.id;
      planned.job_id = job.id;
      planned.job = &job;
      planned.workflow = &workflow;
      planned.caller_key = caller_key;
      for (const spec::Scalar& need : job.needs) {
        if (!workflow.find_job(need.text)) {
          diagnostics_.error(need.pos, "job '" + job.id + "' needs unknown job '" + need.text + "'",
                             "needs must name a job defined in the same workflow");
          continue;
        }
        planned.needs.push_back(prefix + need.text);
      }
      size_t index = unordered_.size();
      unordered_.push_back(std::move(planned));
      if (job.uses) add_called(index, depth);
    }
  }

  // Orders the jobs so that needs come first; reports cycles.
  void order() {
    std::map<std::string, size_t> by_key;
    for (size_t i = 0; i < unordered_.size(); ++i) by_key[unordered_[i].key] = i;
    std::vector<int> state(unordered_.size(), 0);  // 0 new, 1 visiting, 2 done
    std::vector<std::string> stack;
    std::function<void(size_t)> visit = [&](size_t i) {
      if (state[i] == 2) return;
      if (state[i] == 1) {
        std::string cycle;
        auto it = std::find(stack.begin(), stack.end(), unordered_[i].key);
        for (; it != stack.end(); ++it) cycle += *it + " -> ";
        diagnostics_.error(unordered_[i].job->pos, "cycle in needs: " + cycle + unordered_[i].key,
                           "remove one of the needs so the jobs form a graph without cycles");
        return;
      }
      state[i] = 1;
      stack.push_back(unordered_[i].key);
      for (const std::string& need : unordered_[i].needs) {
        auto found = by_key.find(need);
        if (found != by_key.end()) visit(found->second);
      }
      stack.pop_back();
      state[i] = 2;
      plan_.jobs.push_back(unordered_[i]);
    };
    for (size_t i = 0; i < unordered_.size(); ++i) visit(i);
  }

 private:
  void add_called(size_t caller_index, int depth) {
    const spec::Job& job = *unordered_[caller_index].job;
    const spec::Scalar& uses = *job.uses;
    const std::string& root = roots_[unordered_[caller_index].workflow];
    if (depth >= kMaxReusableDepth) {
      diagnostics_.error(
          uses.pos,
          "reusable workflows nested deeper than " + std::to_string(kMaxReusableDepth) + " levels",
          "flatten the chain of workflow calls");
      return;
    }
    std::string path;
    std::string called_root = root;
    if (job.called && job.called->kind == spec::ActionRef::Kind::kLocal) {
      path = (std::filesystem::path(root) / job.called->path).lexically_normal().string();
    } else if (remote_ && job.called &&
               job.called->kind == spec::ActionRef::Kind::kRemoteWorkflow) {
      auto file = remote_(uses.text);
      if (!file.ok()) {
        diagnostics_.error(uses.pos, file.error().message,
                           "check the name and ref, and the action sources (docs/actions.md)");
        return;
      }
      path = file->path;
      called_root = file->repo_root;
      unordered_[caller_index].workflow_sha = file->sha;
    } else {
      diagnostics_.error(uses.pos,
                         "reusable workflow '" + uses.text + "' is not in this repository",
                         "sluice runs reusable workflows from the same repository: uses: "
                         "./.github/workflows/<file>.yml");
      return;
    }
    Diagnostics called_diagnostics;
    auto called = spec::load_workflow_file(path, called_diagnostics);
    diagnostics_.append(called_diagnostics);
    if (!called) {
      if (!called_diagnostics.has_errors())
        diagnostics_.error(uses.pos, "cannot load reusable workflow '" + uses.text + "'",
                           "check the path");
      return;
    }
    if (!called->on.workflow_call) {
      diagnostics_.error(
          uses.pos, "workflow '" + uses.text + "' cannot be called: it has no 'on: workflow_call'",
          "add 'on: workflow_call' to the called workflow");
      return;
    }
    plan_.called_workflows.push_back(std::make_unique<spec::Workflow>(std::move(*called)));
    const spec::Workflow& workflow = *plan_.called_workflows.back();
    roots_[&workflow] = called_root;
    std::string caller_key = unordered_[caller_index].key;
    size_t first = unordered_.size();
    add_workflow(workflow, caller_key + " / ", caller_key, depth + 1);
    // unordered_ may have grown: look the caller up by index, not by reference.
    for (size_t i = first; i < unordered_.size(); ++i)
      if (unordered_[i].caller_key == caller_key)
        unordered_[caller_index].inner_keys.push_back(unordered_[i].key);
  }

  RunPlan& plan_;
  Diagnostics& diagnostics_;
  const CalledWorkflowLoader& remote_;
  // The repository each loaded workflow belongs to (a remote one's checkout).
  std::map<const spec::Workflow*, std::string> roots_;
  std::vector<PlannedJob> unordered_;
  bool too_many_jobs_ = false;
};

}  // namespace

const PlannedJob* RunPlan::find(const std::string& key) const {
  for (const PlannedJob& job : jobs)
    if (job.key == key) return &job;
  return nullptr;
}

std::unique_ptr<RunPlan> build_run_plan(const spec::Workflow& workflow,
                                        const std::string& repo_root, Diagnostics& diagnostics,
                                        const CalledWorkflowLoader& remote) {
  auto plan = std::make_unique<RunPlan>();
  plan->workflow = &workflow;
  size_t errors_before = diagnostics.error_count();
  // A cycle of calls would otherwise be expanded until the nesting limit stops it.
  spec::check_call_cycles(workflow, repo_root, diagnostics);
  if (diagnostics.error_count() > errors_before) return nullptr;
  PlanBuilder builder(*plan, repo_root, diagnostics, remote);
  builder.add_workflow(workflow, "", "", 0);
  builder.order();
  if (diagnostics.error_count() > errors_before) return nullptr;
  return plan;
}

}  // namespace sluice::plan
