#include "runner/action_setup.h"

#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "actions/action_sources.h"

namespace fs = std::filesystem;

namespace sluice::runner {
namespace {

std::string self_binary() {
  std::error_code ec;
  auto p = fs::read_symlink("/proc/self/exe", ec);
  return ec ? "sluice" : p.string();
}

}  // namespace

ActionSetup::ActionSetup(std::string actions_dir, actions::ActionCache cache,
                         actions::FetchOptions options)
    : local(std::move(actions_dir), self_binary()),
      fetcher(std::move(cache), std::move(options),
              [](const std::string& line) { std::cerr << "sluice: " << line << "\n"; }),
      resolver(local, fetcher),
      workflow_loader(resolver.workflow_loader()),
      tool_cache_dir((fs::path(fetcher.cache().root()) / "tool-cache").string()) {}

std::unique_ptr<ActionSetup> make_action_setup(const char* command, const ActionArgs& args) {
  auto sources = actions::action_sources(args.sources, std::getenv("SLUICE_ACTION_SOURCES"));
  if (!sources.ok()) {
    std::cerr << "sluice " << command << ": " << sources.error().message << "\n";
    return nullptr;
  }
  actions::FetchOptions options;
  options.sources = std::move(*sources);
  options.offline = args.offline;
  options.ref_ttl_seconds = actions::ref_ttl_from_environment(options.ref_ttl_seconds);
  return std::make_unique<ActionSetup>(
      args.actions_dir.empty() ? actions::LocalActionResolver::default_actions_dir()
                               : args.actions_dir,
      actions::ActionCache(actions::ActionCache::default_root()), std::move(options));
}

bool prefetch_actions(ActionSetup& setup, const plan::RunPlan& plan, const std::string& workspace) {
  std::vector<Error> errors = setup.resolver.prefetch(plan, workspace);
  for (const Error& error : errors) std::cerr << error.format() << "\n";
  return errors.empty();
}

}  // namespace sluice::runner
