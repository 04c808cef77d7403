#include "runner/workflow_set.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "plan/event.h"
#include "spec/validator.h"
#include "spec/workflow_loader.h"
#include "triggers/git_refs.h"
#include "triggers/git_remote.h"

namespace fs = std::filesystem;

namespace sluice::runner {
namespace {

std::string resolve_workflow_path(const std::string& repo_dir, const std::string& file) {
  for (fs::path candidate :
       {fs::path(file), fs::path(repo_dir) / file, fs::path(repo_dir) / ".github/workflows" / file,
        fs::path(repo_dir) / ".sluice/workflows" / file})
    if (fs::is_regular_file(candidate)) return candidate.string();
  return file;
}

// github.repository_owner and the repository name: the `origin` remote's owner/repo when
// it names a hosted repository (read in-process, triggers/git_remote.h), else "local" and
// the directory's name. A config that cannot be read gives the fallback and a warning.
triggers::RepositorySlug repository_of(const std::string& repo_dir) {
  fs::path dir = fs::absolute(repo_dir).lexically_normal();
  std::string name = dir.filename().string();
  if (name.empty()) name = dir.parent_path().filename().string();
  triggers::RepositorySlug fallback{"local", name};
  auto repo = triggers::find_git_repository(repo_dir);
  if (!repo.ok() || !repo->has_value()) return fallback;  // read_git_info says why
  auto url = triggers::read_remote_url(**repo, "origin");
  if (!url.ok()) {
    std::cerr << "sluice: warning: cannot read the origin remote: " << url.error().message
              << " (github.repository is local/" << name << ")\n";
    return fallback;
  }
  if (!url->has_value()) return fallback;
  return triggers::repository_from_remote_url(**url).value_or(fallback);
}

}  // namespace

WorkflowSet load_workflow_set(const std::string& repo_dir, const std::string& file,
                              const PolicyOptions& policy_options) {
  WorkflowSet set;
  std::vector<std::string> files;
  if (!file.empty()) {
    files.push_back(resolve_workflow_path(repo_dir, file));
  } else {
    files = spec::discover_workflow_files(repo_dir);
    if (files.empty())
      set.diagnostics.error({repo_dir, 0, 0}, "no workflow files found",
                            "put workflows in .github/workflows/*.yml or .sluice/workflows/*.yml");
  }
  const spec::ActionPolicy policy = load_action_policy(repo_dir, policy_options, set.diagnostics);
  spec::ValidateOptions options;
  options.repo_root = repo_dir;
  options.policy = &policy;
  for (const std::string& path : files) {
    Diagnostics diagnostics;
    auto workflow = spec::load_workflow_file(path, diagnostics);
    if (workflow) spec::validate_workflow(*workflow, options, diagnostics);
    // Name workflows by their path in the repository (".github/workflows/ci.yml").
    std::error_code ec;
    fs::path relative = fs::relative(path, repo_dir, ec);
    std::string name = !ec && !relative.empty() && relative.native().rfind("..", 0) != 0
                           ? relative.string()
                           : path;
    if (diagnostics.has_errors()) {
      std::optional<spec::Triggers> on =
          workflow ? std::optional(workflow->on) : spec::load_workflow_triggers(path);
      set.invalid.push_back({name, std::move(diagnostics), std::move(on)});
      continue;
    }
    set.diagnostics.append(diagnostics);
    workflow->file = name;
    set.workflows.push_back(std::make_unique<spec::Workflow>(std::move(*workflow)));
  }
  return set;
}

Diagnostics all_problems(const WorkflowSet& set) {
  Diagnostics problems = set.diagnostics;
  for (const InvalidWorkflow& invalid : set.invalid) problems.append(invalid.diagnostics);
  return problems;
}

Diagnostics problems_for_event(const WorkflowSet& set, const plan::Event& event) {
  Diagnostics problems = set.diagnostics;
  for (const InvalidWorkflow& invalid : set.invalid) {
    spec::Workflow skeleton;
    skeleton.file = invalid.file;
    if (invalid.on) skeleton.on = *invalid.on;
    if (!invalid.on || plan::decide_trigger(skeleton, event).triggered) {
      problems.append(invalid.diagnostics);
      continue;
    }
    const Diagnostic* first = nullptr;
    for (const Diagnostic& d : invalid.diagnostics.items())
      if (d.severity == Severity::kError && !first) first = &d;
    problems.warning(first->pos,
                     "workflow " + invalid.file + " has " +
                         std::to_string(invalid.diagnostics.error_count()) +
                         " error(s) and is skipped: '" + event.name +
                         "' does not trigger it (first error: " + first->message + ")",
                     "`sluice validate " + invalid.file + "` shows every problem");
  }
  return problems;
}

GitInfo read_git_info(const std::string& repo_dir) {
  GitInfo info;
  auto repo = triggers::find_git_repository(repo_dir);
  if (repo.ok() && !repo->has_value()) return info;  // not a checkout: the defaults, silently
  auto head = repo.ok() ? triggers::read_git_head(**repo) : Result<triggers::GitHead>(repo.error());
  if (!head.ok()) {
    // The run can still go ahead; say why github.sha and github.ref are the defaults.
    std::cerr << "sluice: warning: cannot read the git HEAD: " << head.error().message
              << " (running as " << info.ref << " at " << info.sha << ")\n";
    return info;
  }
  info.is_repository = true;
  if (!head->ref.empty()) info.ref = head->ref;  // a detached HEAD keeps the default ref
  if (!head->sha.empty()) info.sha = head->sha;  // an unborn branch has no commit yet
  return info;
}

Result<std::vector<std::pair<std::string, std::string>>> parse_key_values(
    const std::vector<std::string>& args, const char* option, bool secret) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const std::string& arg : args) {
    size_t eq = arg.find('=');
    if (eq == std::string::npos || eq == 0) {
      if (secret)
        return Error{std::string(option) + " must be KEY=VALUE (the value is not shown)", {}};
      return Error{std::string(option) + " '" + arg.substr(0, 40) + "' must be KEY=VALUE", {}};
    }
    out.emplace_back(arg.substr(0, eq), arg.substr(eq + 1));
  }
  return out;
}

Result<std::vector<std::pair<std::string, std::string>>> read_secrets_file(
    const std::string& path) {
  std::ifstream in(path);
  if (!in) return Error{"cannot read secrets file '" + path + "'", {}};
  std::vector<std::pair<std::string, std::string>> out;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    size_t start = line.find_first_not_of(" \t");
    if (start == std::string::npos || line[start] == '#') continue;
    line = line.substr(start);
    if (line.rfind("export ", 0) == 0) line = line.substr(7);
    size_t eq = line.find('=');
    if (eq == std::string::npos || eq == 0)
      return Error{"expected KEY=VALUE (the value is not shown)", {path, number, 1}};
    std::string value = line.substr(eq + 1);
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
        value.back() == value.front())
      value = value.substr(1, value.size() - 2);
    out.emplace_back(line.substr(0, eq), value);
  }
  return out;
}

Value make_github_context(const plan::Event& event, const spec::Workflow& workflow,
                          const std::string& repo_dir) {
  Value g = Value::object();
  triggers::RepositorySlug repository = repository_of(repo_dir);
  std::string full_name = repository.owner + "/" + repository.name;
  const char* user = std::getenv("USER");
  g.set("event_name", event.name);
  g.set("event", event.payload);
  g.set("ref", event.ref);
  bool is_tag = !event.tag().empty();
  g.set("ref_name", is_tag ? event.tag() : event.branch());
  g.set("ref_type", is_tag ? "tag" : "branch");
  g.set("sha", event.sha);
  g.set("head_ref", event.head_ref);
  g.set("base_ref", event.base_ref);
  g.set("repository", full_name);
  g.set("repository_owner", repository.owner);
  g.set("actor", user ? user : "sluice");
  g.set("triggering_actor", user ? user : "sluice");
  g.set("workflow", workflow.display_name());
  g.set("workflow_ref", full_name + "/" + workflow.file + "@" + event.ref);
  g.set("run_attempt", "1");
  // A `*.localhost` host: the toolkit treats any other non-GitHub host (localhost and
  // 127.0.0.1 too) as GHES, where artifacts are refused (docs/runner-protocol.md).
  g.set("server_url", "http://github.localhost");
  g.set("api_url", "http://github.localhost/api");
  g.set("token", "");
  g.set("action", "");
  return g;
}

}  // namespace sluice::runner
