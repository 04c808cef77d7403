// `sluice validate [FILES|DIR]...`: load and validate workflow files, print every problem.
//
// Exit codes: 0 when every file is valid (warnings allowed), 1 when any error was found,
// 2 when a path does not exist or a directory holds no workflow files.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/policy_options.h"
#include "spec/validator.h"
#include "spec/workflow_loader.h"

namespace sluice::cli {
namespace {

namespace fs = std::filesystem;

std::string plural(size_t n, const char* word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

// The repository a workflow file belongs to: the parent of its `.github`/`.sluice` folder,
// else the nearest ancestor holding `.git`, else the current directory. Reusable workflows
// and local actions (`uses: ./...`) are resolved from there.
std::string repo_root_of(const fs::path& file) {
  fs::path dir = fs::absolute(file).lexically_normal().parent_path();
  if (dir.filename() == "workflows") {
    fs::path parent = dir.parent_path();
    if (parent.filename() == ".github" || parent.filename() == ".sluice")
      return parent.parent_path().string();
  }
  std::error_code ec;
  for (fs::path p = dir; !p.empty(); p = p.parent_path()) {
    if (fs::exists(p / ".git", ec)) return p.string();
    if (p == p.parent_path()) break;
  }
  return fs::current_path(ec).string();
}

struct Target {
  std::string file;
  std::string repo_root;
};

// Expands the command-line paths into workflow files. A directory is a repository (its
// .github/workflows and .sluice/workflows) or, failing that, a folder of *.yml files.
bool collect_targets(const std::vector<std::string>& paths, std::vector<Target>& out) {
  bool ok = true;
  for (const auto& path : paths) {
    std::error_code ec;
    if (!fs::exists(path, ec)) {
      std::cerr << "sluice validate: error: path '" << path << "' does not exist\n";
      ok = false;
      continue;
    }
    if (!fs::is_directory(path, ec)) {
      out.push_back({path, repo_root_of(path)});
      continue;
    }
    auto files = spec::discover_workflow_files(path);
    if (!files.empty()) {
      for (auto& f : files) out.push_back({f, path});
      continue;
    }
    std::vector<std::string> direct;
    for (const auto& entry : fs::directory_iterator(path, ec)) {
      auto ext = entry.path().extension();
      if ((ext == ".yml" || ext == ".yaml") && entry.is_regular_file(ec))
        direct.push_back(entry.path().string());
    }
    std::sort(direct.begin(), direct.end());
    if (direct.empty()) {
      std::cerr << "sluice validate: error: no workflow files in '" << path
                << "' (looked in .github/workflows and .sluice/workflows)\n";
      ok = false;
    }
    for (auto& f : direct) out.push_back({f, repo_root_of(f)});
  }
  return ok;
}

int run_validate(const std::vector<std::string>& paths, const PolicyOptions& policy_options) {
  std::vector<Target> targets;
  if (!collect_targets(paths, targets)) return kExitInvalid;
  Diagnostics all;
  // One policy per repository, read (and its problems printed) once.
  std::map<std::string, spec::ActionPolicy> policies;
  for (const auto& t : targets) {
    Diagnostics d;
    auto [policy, inserted] = policies.try_emplace(t.repo_root);
    if (inserted) policy->second = load_action_policy(t.repo_root, policy_options, d);
    auto wf = spec::load_workflow_file(t.file, d);
    spec::ValidateOptions options{t.repo_root};
    options.policy = &policy->second;
    if (wf) spec::validate_workflow(*wf, options, d);
    for (const auto& item : d.items()) std::cout << item.format() << "\n";
    all.append(d);
  }
  size_t errors = all.error_count();
  size_t warnings = all.items().size() - errors;
  std::cout << plural(targets.size(), "file") << ", " << plural(errors, "error");
  if (warnings > 0) std::cout << ", " << plural(warnings, "warning");
  std::cout << "\n";
  return errors > 0 ? kExitFailure : kExitOk;
}

}  // namespace

void add_validate_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("validate", "Check workflow files and report every problem");
  auto paths = std::make_shared<std::vector<std::string>>();
  auto policy = std::make_shared<PolicyOptions>();
  cmd->add_option(
      "paths", *paths,
      "Workflow files, or repositories/folders to search (default: the current directory)");
  add_policy_options(*cmd, *policy);
  cmd->callback([paths, policy, &exit_code] {
    if (paths->empty()) paths->push_back(".");
    exit_code = run_validate(*paths, *policy);
  });
}

}  // namespace sluice::cli
