// The origin policy applied to what a workflow uses: its steps' and jobs' `uses:`, then,
// followed from there, the steps of local composite actions and the jobs of local reusable
// workflows (read from the repository, as the run would read them). Remote actions' and
// remote workflows' own contents are not here to read: they are judged when fetched.
#include <filesystem>
#include <set>

#include "spec/action_policy.h"
#include "spec/validator_parts.h"
#include "spec/workflow_loader.h"

namespace sluice::spec::detail {

namespace {

namespace fs = std::filesystem;

// GitHub nests composite actions 10 deep and reusable workflows 4 deep; a walk deeper than
// this is a cycle or a hostile repository, and the run would refuse it anyway.
constexpr int kMaxPolicyDepth = 10;

class PolicyWalk {
 public:
  PolicyWalk(const ActionPolicy& policy, const std::string& repo_root, Diagnostics& d)
      : policy_(policy), repo_root_(repo_root), d_(d) {}

  void workflow(const Workflow& wf, const std::string& via, int depth) {
    for (const Job& job : wf.jobs) {
      if (job.called) use(*job.called, *job.uses, via, depth, true);
      steps(job.steps, via, depth);
    }
  }

 private:
  void steps(const std::vector<Step>& steps, const std::string& via, int depth) {
    for (const Step& step : steps)
      if (step.action) use(*step.action, *step.uses, via, depth, false);
  }

  void use(const ActionRef& ref, const Scalar& uses, const std::string& via, int depth, bool job) {
    if (ref.kind != ActionRef::Kind::kLocal) {
      if (auto refusal = check_action_policy(policy_, ref))
        d_.error(uses.pos, refusal->message + via, refusal->hint);
      return;
    }
    if (depth >= kMaxPolicyDepth || repo_root_.empty()) return;
    const fs::path path = (fs::path(repo_root_) / ref.path).lexically_normal();
    if (!visited_.insert(path.string() + (job ? "#workflow" : "#action")).second) return;
    const std::string inner_via = " (in " +
                                  std::string(job ? "reusable workflow" : "local action") + " '" +
                                  ref.text + "', used at " + uses.pos.to_string() + ")";
    // Files that cannot be read are reported by check_calls (or the run): nothing to judge.
    Diagnostics ignored;
    std::error_code ec;
    if (job) {
      if (!fs::is_regular_file(path, ec)) return;
      if (auto called = load_workflow_file(path.string(), ignored))
        workflow(*called, inner_via, depth + 1);
    } else {
      if (!fs::is_regular_file(path / "action.yml", ec) &&
          !fs::is_regular_file(path / "action.yaml", ec))
        return;
      if (auto action = load_action_file(path.string(), ignored))
        steps(action->steps, inner_via, depth + 1);
    }
  }

  const ActionPolicy& policy_;
  const std::string& repo_root_;
  Diagnostics& d_;
  std::set<std::string> visited_;
};

}  // namespace

void check_action_origins(const Workflow& workflow, const ValidateOptions& options,
                          Diagnostics& diagnostics) {
  if (!options.policy || options.policy->empty()) return;
  PolicyWalk(*options.policy, options.repo_root, diagnostics).workflow(workflow, "", 0);
}

}  // namespace sluice::spec::detail
