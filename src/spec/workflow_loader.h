// Loading workflow and action files: YAML → typed model (spec/workflow.h, spec/action.h).
//
// The loader reports every problem it finds as a Diagnostic with file:line:col and a
// hint (malformed YAML, wrong type, unknown key with "did you mean", unsupported keys
// such as `services`/`container`), and returns the model when there were no errors.
// Semantic checks across nodes (needs graph, cron, expressions, inputs) are in
// spec/validator.h.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/diagnostic.h"
#include "spec/action.h"
#include "spec/workflow.h"

namespace sluice::spec {

// GitHub's limit: "A workflow file larger than 500 KB will not start runs."
constexpr size_t kMaxWorkflowFileBytes = 500 * 1024;
constexpr int kMaxYamlDepth = 64;

std::optional<Workflow> load_workflow_file(const std::string& path, Diagnostics& diagnostics);
std::optional<Workflow> load_workflow_text(std::string_view text, const std::string& file,
                                           Diagnostics& diagnostics);

// Only the `on:` of a workflow file that may be invalid elsewhere, so that a run can tell
// whether the event triggers it. nullopt when the file cannot be read, is not YAML, or its
// `on:` itself has errors.
std::optional<Triggers> load_workflow_triggers(const std::string& path);

// `path` is an action directory (holding action.yml or action.yaml) or the file itself.
std::optional<Action> load_action_file(const std::string& path, Diagnostics& diagnostics);

// Workflow files of a repository: .github/workflows/*.yml|yaml then .sluice/workflows/*.yml|yaml,
// sorted by path. Paths are returned as `repo_dir/<relative path>`.
std::vector<std::string> discover_workflow_files(const std::string& repo_dir);

}  // namespace sluice::spec
