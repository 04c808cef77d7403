#include "actions/local_action_resolver.h"

#include <cstdlib>
#include <filesystem>

#include "actions/builtin_actions.h"
#include "spec/workflow_loader.h"

namespace fs = std::filesystem;

namespace sluice::actions {

LocalActionResolver::LocalActionResolver(std::string actions_dir, std::string sluice_binary)
    : actions_dir_(std::move(actions_dir)), sluice_binary_(std::move(sluice_binary)) {}

std::string LocalActionResolver::default_actions_dir() {
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg)
    return std::string(xdg) + "/sluice/actions";
  const char* home = std::getenv("HOME");
  return std::string(home && *home ? home : "/tmp") + "/.cache/sluice/actions";
}

Result<std::shared_ptr<const engine::ResolvedAction>> LocalActionResolver::resolve(
    const std::string& uses, const std::string& workspace) {
  if (uses.rfind("docker://", 0) == 0) {  // an image run by the container executor
    auto resolved = std::make_shared<engine::ResolvedAction>();
    resolved->kind = engine::ResolvedAction::Kind::kDocker;
    resolved->uses = uses;
    resolved->action.using_ = "docker";
    return std::shared_ptr<const engine::ResolvedAction>(resolved);
  }
  if (uses.rfind("./", 0) == 0 || uses == ".") {
    fs::path dir = (fs::path(workspace) / uses).lexically_normal();
    return load(uses, dir.string(), dir.string());
  }
  size_t at = uses.find('@');
  if (at == std::string::npos || at == 0 || at + 1 == uses.size())
    return Error{"action '" + uses + "' must be './path' or 'owner/repo[/path]@ref'", {}};
  std::string name = uses.substr(0, at);
  std::string ref = uses.substr(at + 1);
  std::string lower = to_lower(name);
  if (lower == "actions/checkout")
    return std::shared_ptr<const engine::ResolvedAction>(checkout_action(uses));
  if (lower == "sluice/scan")
    return std::shared_ptr<const engine::ResolvedAction>(scan_action(uses, sluice_binary_));
  if (lower == "sluice/health-gate")
    return std::shared_ptr<const engine::ResolvedAction>(health_gate_action(uses, sluice_binary_));
  if (lower == "sluice/deploy")
    return std::shared_ptr<const engine::ResolvedAction>(deploy_action(uses, sluice_binary_));
  std::string dir = copy_dir(uses);
  if (dir.empty()) return Error{"action '" + uses + "' has an invalid name", {}};
  return load(uses, dir, dir);
}

// <actions_dir>/<owner>/<repo>/<ref>[/path] for `owner/repo[/path]@ref`; "" when the name
// could leave the actions directory.
std::string LocalActionResolver::copy_dir(const std::string& uses) const {
  size_t at = uses.find('@');
  if (at == std::string::npos) return "";
  std::string name = uses.substr(0, at);
  std::string ref = uses.substr(at + 1);
  size_t slash = name.find('/');
  if (slash == std::string::npos) return "";
  size_t second = name.find('/', slash + 1);
  std::string repo = name.substr(0, second);
  std::string sub = second == std::string::npos ? "" : name.substr(second + 1);
  if (repo.find("..") != std::string::npos || sub.find("..") != std::string::npos ||
      ref.find("..") != std::string::npos || ref.find('/') != std::string::npos || ref.empty())
    return "";
  fs::path dir = fs::path(actions_dir_) / repo / ref;
  if (!sub.empty()) dir /= sub;
  return dir.string();
}

std::string LocalActionResolver::override_dir(const std::string& uses) const {
  std::string dir = copy_dir(uses);
  std::error_code ec;
  if (dir.empty() || (!fs::exists(fs::path(dir) / "action.yml", ec) &&
                      !fs::exists(fs::path(dir) / "action.yaml", ec)))
    return "";
  return dir;
}

Result<std::shared_ptr<const engine::ResolvedAction>> LocalActionResolver::load(
    const std::string& uses, const std::string& dir, const std::string& searched) {
  if (!fs::exists(fs::path(dir) / "action.yml") && !fs::exists(fs::path(dir) / "action.yaml"))
    return Error{"action '" + uses + "' not found: no action.yml in " + searched +
                     " (sluice downloads nothing: put the action there, or pass --actions-dir)",
                 {}};
  Diagnostics diagnostics;
  auto action = spec::load_action_file(dir, diagnostics);
  if (!action) {
    std::string message = "action '" + uses + "' is invalid";
    if (!diagnostics.items().empty()) message += ": " + diagnostics.items().front().format();
    return Error{message, {}};
  }
  auto resolved = std::make_shared<engine::ResolvedAction>();
  resolved->uses = uses;
  resolved->dir = dir;
  const std::string& using_ = action->using_;
  if (using_ == "composite") {
    resolved->kind = engine::ResolvedAction::Kind::kComposite;
  } else if (using_.rfind("node", 0) == 0) {
    resolved->kind = engine::ResolvedAction::Kind::kNode;
    if (!fs::exists(fs::path(dir) / action->main))
      return Error{
          "action '" + uses + "': runs.main '" + action->main + "' does not exist in " + dir, {}};
  } else if (using_ == "docker") {
    resolved->kind = engine::ResolvedAction::Kind::kDocker;
  } else {
    return Error{"action '" + uses + "': unsupported runs.using '" + using_ + "'", {}};
  }
  resolved->action = std::move(*action);
  return std::shared_ptr<const engine::ResolvedAction>(resolved);
}

}  // namespace sluice::actions
