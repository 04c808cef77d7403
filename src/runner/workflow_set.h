// What `sluice run` and `sluice plan` share: loading and validating a repository's
// workflows, reading git facts, building the event and the github context.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/diagnostic.h"
#include "core/result.h"
#include "core/value.h"
#include "plan/event.h"
#include "runner/policy_options.h"
#include "spec/workflow.h"

namespace sluice::runner {

// A workflow file with errors, kept apart so that a run can go ahead when the event does
// not trigger it.
struct InvalidWorkflow {
  std::string file;
  Diagnostics diagnostics;           // its load + validation problems (errors among them)
  std::optional<spec::Triggers> on;  // its `on:` when that part reads; nullopt otherwise
};

struct WorkflowSet {
  std::vector<std::unique_ptr<spec::Workflow>> workflows;  // the valid ones
  std::vector<InvalidWorkflow> invalid;
  // Problems of no single workflow (no workflow files, the policy file) and the warnings of
  // the valid workflows.
  Diagnostics diagnostics;
};

// Loads `file` (absolute, relative to `repo_dir`, or a name inside a workflows folder)
// or, when empty, every discovered workflow file; validates each, with the action origin
// policy of `policy_options` (cli/policy_options.h) and `repo_dir`'s .sluice/policy.yml.
WorkflowSet load_workflow_set(const std::string& repo_dir, const std::string& file,
                              const PolicyOptions& policy_options = {});

// What stops a run of `event`: set.diagnostics, and the errors of every invalid workflow
// that the event triggers or whose `on:` cannot be read. An invalid workflow that the event
// does not trigger gives one warning at its first error instead (GitHub does not run it
// either, and the other workflows are not its hostages).
Diagnostics problems_for_event(const WorkflowSet& set, const plan::Event& event);
// Every problem of the set (a workflow the user named is run whatever triggers it).
Diagnostics all_problems(const WorkflowSet& set);

// The branch and commit `repo_dir` has checked out, read from the repository's files
// (triggers/git_refs.h; no git process). Outside a repository: the defaults below. A
// repository that cannot be read gives the defaults and a warning on stderr.
struct GitInfo {
  std::string ref = "refs/heads/main";
  std::string sha = "0000000000000000000000000000000000000000";
  bool is_repository = false;  // HEAD was read (the branch may still be unborn)
};
GitInfo read_git_info(const std::string& repo_dir);

// "k=v" arguments → pairs; an argument without '=' is an error naming it, and quoting it
// unless `secret` (a --secret given without its KEY= is the bare secret).
Result<std::vector<std::pair<std::string, std::string>>> parse_key_values(
    const std::vector<std::string>& args, const char* option, bool secret = false);
// KEY=VALUE lines (# comments, blank lines, optional `export `, optional quotes).
Result<std::vector<std::pair<std::string, std::string>>> read_secrets_file(const std::string& path);

// The github context for a run of `workflow` triggered by `event`.
Value make_github_context(const plan::Event& event, const spec::Workflow& workflow,
                          const std::string& repo_dir);

}  // namespace sluice::runner
