#include "actions/remote_action_resolver.h"

#include <filesystem>
#include <set>

#include "core/value.h"
#include "spec/action_ref.h"

namespace fs = std::filesystem;

namespace sluice::actions {
namespace {

constexpr int kMaxPrefetchDepth = 8;  // as the engine's composite nesting limit

bool is_builtin(const spec::ActionRef& ref) {
  std::string name = to_lower(ref.repository());
  return name == "actions/checkout" || name == "sluice/scan" || name == "sluice/health-gate" ||
         name == "sluice/deploy";
}

}  // namespace

RemoteActionResolver::RemoteActionResolver(LocalActionResolver& local, RepositoryFetcher& fetcher)
    : local_(local), fetcher_(fetcher) {}

Result<std::shared_ptr<const engine::ResolvedAction>> RemoteActionResolver::resolve(
    const std::string& uses, const std::string& workspace) {
  if (auto it = remote_.find(uses); it != remote_.end()) return it->second;
  auto ref = spec::parse_action_ref(uses);
  if (!ref.ok() || ref->kind != spec::ActionRef::Kind::kRemoteAction || is_builtin(*ref))
    return local_.resolve(uses, workspace);
  if (!local_.override_dir(uses).empty()) return local_.resolve(uses, workspace);
  auto checkout = fetcher_.checkout(ref->owner, ref->repo, ref->ref, "action '" + uses + "'");
  if (!checkout.ok())
    return Error{checkout.error().message + " (no override copy in " + local_.copy_dir(uses) + ")",
                 {}};
  fs::path dir = fs::path(checkout->dir);
  if (!ref->path.empty()) dir /= ref->path;
  auto loaded = LocalActionResolver::load(uses, dir.string(),
                                          dir.string() + " (commit " + checkout->sha + ")");
  if (!loaded.ok()) return loaded.error();
  auto resolved = std::make_shared<engine::ResolvedAction>(**loaded);
  resolved->repository = ref->repository();
  resolved->ref = ref->ref;
  resolved->sha = checkout->sha;
  remote_[uses] = resolved;
  return std::shared_ptr<const engine::ResolvedAction>(resolved);
}

std::vector<Error> RemoteActionResolver::prefetch(const plan::RunPlan& plan,
                                                  const std::string& workspace) {
  std::vector<Error> errors;
  std::set<const spec::Job*> seen;
  for (const plan::PlannedJob& job : plan.jobs)
    if (seen.insert(job.job).second) prefetch_steps(job.job->steps, workspace, 0, errors);
  return errors;
}

void RemoteActionResolver::prefetch_steps(const std::vector<spec::Step>& steps,
                                          const std::string& workspace, int depth,
                                          std::vector<Error>& errors) {
  for (const spec::Step& step : steps) {
    if (!step.uses) continue;
    auto ref = spec::parse_action_ref(step.uses->text);
    // Local actions are read when their step starts (an earlier step may write them).
    if (!ref.ok() || ref->kind != spec::ActionRef::Kind::kRemoteAction) continue;
    bool known = remote_.count(step.uses->text) > 0;
    auto resolved = resolve(step.uses->text, workspace);
    if (!resolved.ok()) {
      Error error = resolved.error();
      if (error.pos.line == 0) error.pos = step.uses->pos;
      errors.push_back(std::move(error));
      continue;
    }
    if (!known && depth < kMaxPrefetchDepth &&
        (*resolved)->kind == engine::ResolvedAction::Kind::kComposite)
      prefetch_steps((*resolved)->action.steps, workspace, depth + 1, errors);
  }
}

plan::CalledWorkflowLoader RemoteActionResolver::workflow_loader() {
  return [this](const std::string& uses) -> Result<plan::CalledWorkflowFile> {
    auto ref = spec::parse_action_ref(uses);
    if (!ref.ok()) return ref.error();
    if (ref->kind != spec::ActionRef::Kind::kRemoteWorkflow)
      return Error{"'" + uses + "' is not a reusable workflow (owner/repo/.github/workflows/" +
                       "FILE.yml@ref)",
                   {}};
    auto checkout =
        fetcher_.checkout(ref->owner, ref->repo, ref->ref, "reusable workflow '" + uses + "'");
    if (!checkout.ok()) return checkout.error();
    plan::CalledWorkflowFile file;
    file.repo_root = checkout->dir;
    file.path = (fs::path(checkout->dir) / ref->path).string();
    file.sha = checkout->sha;
    return file;
  };
}

}  // namespace sluice::actions
