// Cycles of reusable-workflow calls: `a.yml` calling itself, or `a.yml` → `b.yml` → `a.yml`.
// At run time such a chain would only stop at the nesting limit; validate and plan report
// it up front, naming every `uses:` on the cycle with its file:line:col.
#include <filesystem>
#include <map>
#include <memory>

#include "spec/validator.h"
#include "spec/workflow_loader.h"

namespace sluice::spec {
namespace {

namespace fs = std::filesystem;

// Calls deeper than this are not followed: GitHub nests reusable workflows 10 levels deep,
// sluice's planner 4; deeper chains are reported by the planner.
constexpr int kMaxFollowedDepth = 32;

std::string key_of(const fs::path& path) {
  std::error_code ec;
  fs::path canonical = fs::weakly_canonical(path, ec);
  return (ec ? path.lexically_normal() : canonical).string();
}

class CallGraphWalk {
 public:
  CallGraphWalk(const std::string& repo_root, Diagnostics& diagnostics)
      : repo_root_(repo_root), diagnostics_(diagnostics) {}

  void visit(const std::string& key, const Workflow& workflow, int depth) {
    state_[key] = kOnPath;
    files_on_path_.push_back(key);
    for (const Job& job : workflow.jobs) {
      // Malformed paths (and paths leaving the repository) are reported by the loader.
      if (!job.called || job.called->kind != ActionRef::Kind::kLocal) continue;
      const Scalar& uses = *job.uses;
      const std::string path = (fs::path(repo_root_) / job.called->path).string();
      const std::string callee = key_of(path);
      calls_on_path_.push_back(&uses);
      auto state = state_.find(callee);
      if (state != state_.end() && state->second == kOnPath) {
        report_cycle(callee);
      } else if (state == state_.end() && depth < kMaxFollowedDepth) {
        if (const Workflow* called = load(callee, path)) visit(callee, *called, depth + 1);
      }
      calls_on_path_.pop_back();
    }
    files_on_path_.pop_back();
    state_[key] = kDone;
  }

 private:
  enum State { kOnPath, kDone };

  // Loads a called workflow once; nullptr when it does not load (check_calls reports why).
  const Workflow* load(const std::string& key, const std::string& path) {
    auto [it, inserted] = loaded_.try_emplace(key);
    if (inserted) {
      Diagnostics ignored;
      if (auto wf = load_workflow_file(path, ignored))
        it->second = std::make_unique<Workflow>(std::move(*wf));
    }
    return it->second.get();
  }

  // The last call on the path leads back to `callee`, which is on the path: the calls from
  // `callee` onwards form the cycle.
  void report_cycle(const std::string& callee) {
    size_t first = 0;
    while (files_on_path_[first] != callee) ++first;
    std::string cycle;
    for (size_t i = first; i < calls_on_path_.size(); ++i) {
      const Scalar& uses = *calls_on_path_[i];
      cycle += (i == first ? "" : ", ") + uses.pos.to_string() + " uses " + uses.text;
    }
    const Scalar& entry = *calls_on_path_.front();
    std::string message;
    if (first != 0)
      message = "'" + entry.text + "' leads into a cycle of reusable workflow calls: " + cycle;
    else if (calls_on_path_.size() == 1)
      message = "workflow calls itself: " + cycle;
    else
      message = "reusable workflows call each other in a cycle: " + cycle;
    diagnostics_.error(entry.pos, message,
                       "a reusable workflow cannot call itself, directly or through other "
                       "workflows; remove one of these calls");
  }

  const std::string& repo_root_;
  Diagnostics& diagnostics_;
  std::map<std::string, State> state_;
  std::map<std::string, std::unique_ptr<Workflow>> loaded_;
  std::vector<std::string> files_on_path_;    // the workflow files being visited, outermost first
  std::vector<const Scalar*> calls_on_path_;  // calls_on_path_[i] is made by files_on_path_[i]
};

}  // namespace

void check_call_cycles(const Workflow& workflow, const std::string& repo_root,
                       Diagnostics& diagnostics) {
  if (repo_root.empty()) return;
  CallGraphWalk walk(repo_root, diagnostics);
  walk.visit(key_of(workflow.file), workflow, 0);
}

}  // namespace sluice::spec
