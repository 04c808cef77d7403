// RunPlan: the job graph of one run, with reusable workflows expanded into it.
//
// A caller job (`uses: ./.github/workflows/x.yml`) stays in the graph as a node of its
// own and its called workflow's jobs are added as inner jobs keyed "caller / inner".
// The engine starts inner jobs once their caller has started (its needs are done, its
// `if` passed and its `with:` was evaluated into their `inputs`), and finishes the caller
// when all its inner jobs have finished. Matrix expansion is left to the engine, because
// a matrix may depend on the outputs of needed jobs.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/diagnostic.h"
#include "core/result.h"
#include "spec/workflow.h"

namespace sluice::plan {

constexpr int kMaxReusableDepth = 4;
// Jobs in one plan, the jobs of called workflows included (each file has at most
// spec::kMaxWorkflowJobs; calls multiply them, so the plan has its own cap).
constexpr size_t kMaxPlannedJobs = 1024;

struct PlannedJob {
  std::string key;     // unique in the plan: "build", "release / publish"
  std::string job_id;  // the id within its own workflow
  const spec::Job* job = nullptr;
  const spec::Workflow* workflow = nullptr;  // the file that defines this job
  std::vector<std::string> needs;            // keys of planned jobs
  std::string caller_key;                    // "" for top-level jobs
  std::vector<std::string> inner_keys;       // for caller jobs: their called jobs
  std::string workflow_sha;                  // callers of a remote reusable workflow: its commit
  bool is_caller() const { return job->uses.has_value(); }
};

struct RunPlan {
  const spec::Workflow* workflow = nullptr;
  std::vector<PlannedJob> jobs;  // topological order (needs before dependants)
  std::vector<std::unique_ptr<spec::Workflow>> called_workflows;  // owned

  const PlannedJob* find(const std::string& key) const;
};

// A reusable workflow of another repository, made available on disk by the caller's
// hook (the actions/ room fetches it; plan itself knows nothing of git).
struct CalledWorkflowFile {
  std::string path;       // the workflow file to load
  std::string repo_root;  // its repository's files: `uses: ./...` inside it resolve here
  std::string sha;        // the commit, recorded on the caller job
};
// Maps `owner/repo/.github/workflows/FILE.yml@ref` to its file; an error says why not.
using CalledWorkflowLoader = std::function<Result<CalledWorkflowFile>(const std::string& uses)>;

// Builds the graph. Reports unknown needs, cycles, missing or invalid called workflows
// (with positions) into `diagnostics` and returns nullptr when there are errors. Without
// `remote` a reusable workflow of another repository is an error.
std::unique_ptr<RunPlan> build_run_plan(const spec::Workflow& workflow,
                                        const std::string& repo_root, Diagnostics& diagnostics,
                                        const CalledWorkflowLoader& remote = {});

}  // namespace sluice::plan
