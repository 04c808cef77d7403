// Workflow files: YAML → spec::Workflow. Steps, retry and triggers are in their own files
// (step_loader.cpp, trigger_loader.cpp); this file holds the root, jobs and strategy.
#include "spec/workflow_loader.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "spec/loader_parts.h"
#include "spec/suggest.h"

namespace sluice::spec {

namespace {

using detail::YamlReader;

constexpr std::string_view kRootKeys[] = {"name",     "description", "run-name",    "on",  "env",
                                          "defaults", "permissions", "concurrency", "jobs"};
constexpr std::string_view kJobKeys[] = {"name",
                                         "needs",
                                         "if",
                                         "runs-on",
                                         "permissions",
                                         "environment",
                                         "concurrency",
                                         "outputs",
                                         "env",
                                         "defaults",
                                         "timeout-minutes",
                                         "cancel-timeout-minutes",
                                         "strategy",
                                         "continue-on-error",
                                         "container",
                                         "services",
                                         "steps",
                                         "snapshot",
                                         "uses",
                                         "with",
                                         "secrets",
                                         "retry"};
// Keys a reusable-workflow caller job may have (GitHub's `workflow-job`).
constexpr std::string_view kCallerJobKeys[] = {
    "name", "uses", "with", "secrets", "needs", "if", "permissions", "concurrency", "strategy"};
constexpr std::string_view kStrategyKeys[] = {"matrix", "fail-fast", "max-parallel"};
constexpr std::string_view kEnvironmentKeys[] = {"name", "url", "deployment"};
constexpr std::string_view kRunsOnKeys[] = {"group", "labels"};

bool is_one_of(std::span<const std::string_view> list, std::string_view s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

spec::Permissions read_permissions(YamlReader& r, const YAML::Node& node, std::string_view where) {
  const std::string what = "'permissions' in " + std::string(where);
  spec::Permissions permissions;
  if (node.IsScalar()) {
    const std::string& v = node.Scalar();
    if (v != "read-all" && v != "write-all")
      r.diagnostics().error(r.pos(node), "invalid " + what + ": '" + v + "'",
                            "write read-all, write-all or a mapping of scope: read|write|none");
    else
      permissions.all = v;
    return permissions;
  }
  if (!r.expect_map(node, what)) return permissions;
  for (auto& e : r.entries(node, what, {})) {
    auto v = r.string(e.value, "'" + e.key + "' in " + what);
    if (v && *v != "read" && *v != "write" && *v != "none")
      r.diagnostics().error(r.pos(e.value), "invalid permission '" + *v + "' for '" + e.key + "'",
                            "write read, write or none");
    else if (v)
      permissions.scopes[e.key] = *v;
  }
  return permissions;
}

void read_matrix_axis(YamlReader& r, const std::string& key, const YAML::Node& value) {
  const std::string what =
      key == "include" || key == "exclude" ? "matrix '" + key + "'" : "matrix axis '" + key + "'";
  if (value.IsScalar() && detail::has_expression(value.Scalar())) return;
  if (!r.expect_seq(value, what,
                    key == "include" || key == "exclude"
                        ? "write a list of mappings, e.g. `- {os: linux, node: 20}`"
                        : "write the axis values as a list, e.g. `[18, 20]`, or an expression"))
    return;
  if (key == "include" || key == "exclude") {
    for (const auto& item : value)
      if (!(item.IsScalar() && detail::has_expression(item.Scalar())))
        r.expect_map(item, "an entry of matrix '" + key + "'", "write `- {axis: value, ...}`");
  } else if (value.size() == 0) {
    r.diagnostics().error(r.pos(value), "matrix axis '" + key + "' has no values",
                          "list at least one value, or remove the axis");
  }
}

void read_strategy(YamlReader& r, const YAML::Node& node, const std::string& where, Strategy& s) {
  const std::string what = "'strategy' in " + where;
  if (!r.expect_map(node, what, "write `strategy: {matrix: {...}, fail-fast: false}`")) return;
  for (auto& e : r.entries(node, what, kStrategyKeys)) {
    if (e.key == "fail-fast") {
      s.fail_fast = r.bool_or_expr(e.value, "'fail-fast' in " + where);
    } else if (e.key == "max-parallel") {
      s.max_parallel = r.number_or_expr(e.value, "'max-parallel' in " + where);
    } else {
      s.matrix_pos = r.pos(e.value);
      if (e.value.IsScalar() && detail::has_expression(e.value.Scalar())) {
        s.matrix = Value(e.value.Scalar());
        continue;
      }
      if (!r.expect_map(e.value, "'matrix' in " + where,
                        "write axes such as `os: [linux, macos]`, or ${{ fromJSON(...) }}"))
        continue;
      size_t axes = 0;
      bool include = false;
      for (auto& a : r.entries(e.value, "'matrix' in " + where, {})) {
        read_matrix_axis(r, a.key, a.value);
        axes += a.key != "include" && a.key != "exclude";
        include = include || a.key == "include";
      }
      if (axes == 0 && !include) {
        r.diagnostics().error(s.matrix_pos, "matrix in " + where + " has no axes",
                              "add an axis such as `os: [linux]` or an `include:` list");
      }
      s.matrix = r.to_value(e.value);
    }
  }
}

void read_runs_on(YamlReader& r, const YAML::Node& node, const std::string& where, Job& job) {
  const std::string what = "'runs-on' in " + where;
  if (node.IsMap()) {
    for (auto& e : r.entries(node, what, kRunsOnKeys)) {
      if (e.key == "group")
        job.runs_on_group = r.scalar(e.value, "'group' in " + what);
      else
        job.runs_on = r.string_or_list(e.value, "'labels' in " + what);
    }
  } else {
    job.runs_on = r.string_or_list(node, what);
  }
  if (job.runs_on.empty() && !job.runs_on_group)
    r.diagnostics().error(r.pos(node), what + " names no runner label",
                          "write `runs-on: ubuntu-latest` (locally any label is accepted)");
}

void read_environment(YamlReader& r, const YAML::Node& node, const std::string& where, Job& job) {
  const std::string what = "'environment' in " + where;
  if (node.IsScalar()) {
    job.environment = Environment{*r.scalar(node, what), std::nullopt};
    return;
  }
  if (!r.expect_map(node, what, "write `environment: production` or {name, url}")) return;
  Environment env;
  bool has_name = false;
  for (auto& e : r.entries(node, what, kEnvironmentKeys)) {
    if (e.key == "name") {
      if (auto s = r.scalar(e.value, "'name' in " + what)) env.name = *s, has_name = true;
    } else if (e.key == "url") {
      env.url = r.scalar(e.value, "'url' in " + what);
    } else {
      r.bool_or_expr(e.value, "'deployment' in " + what);
    }
  }
  if (!has_name) {
    r.diagnostics().error(r.pos(node), what + " has no 'name'", "add `name: <environment>`");
    return;
  }
  job.environment = std::move(env);
}

void read_job_secrets(YamlReader& r, const YAML::Node& node, const std::string& where, Job& job) {
  if (node.IsScalar() && node.Scalar() == "inherit") {
    job.secrets_inherit = true;
    return;
  }
  if (node.IsScalar()) {
    r.diagnostics().error(r.pos(node),
                          "invalid 'secrets' in " + where + ": '" + node.Scalar() + "'",
                          "write `secrets: inherit` or a mapping of secret names to values");
    return;
  }
  job.secrets = r.scalar_map(node, "'secrets' in " + where);
}

Job read_job(YamlReader& r, const std::string& id, const SourcePos& pos, const YAML::Node& node) {
  Job job;
  job.id = id;
  job.pos = pos;
  const std::string where = "job '" + id + "'";
  if (!r.expect_map(node, where, "write the job's keys (runs-on, steps, ...) indented under it"))
    return job;
  const bool caller = node.IsMap() && node["uses"].IsDefined();
  bool has_runs_on = false, has_steps = false;
  for (auto& e : r.entries(node, where, kJobKeys)) {
    const std::string what = "'" + e.key + "' in " + where;
    if (caller && !is_one_of(kCallerJobKeys, e.key)) {
      r.diagnostics().error(
          e.key_pos,
          "job '" + id + "' calls a reusable workflow with 'uses' and cannot have '" + e.key + "'",
          "move '" + e.key + "' into the called workflow, or remove 'uses'");
      continue;
    }
    if (!caller && (e.key == "with" || e.key == "secrets")) {
      r.diagnostics().error(
          e.key_pos, what + " is only for jobs that call a reusable workflow",
          "add `uses: ./.github/workflows/<file>.yml`, or pass values with 'env'");
      continue;
    }
    if (e.key == "snapshot") {
      detail::report_container_key(r, e.key, e.key_pos, where);
    } else if (e.key == "container") {
      job.container = detail::read_container(r, e.value, where);
    } else if (e.key == "services") {
      job.services = detail::read_services(r, e.value, where);
    } else if (e.key == "name") {
      job.name = r.scalar(e.value, what);
    } else if (e.key == "needs") {
      job.needs = r.string_or_list(e.value, what);
    } else if (e.key == "if") {
      job.if_condition = r.scalar(e.value, what);
    } else if (e.key == "runs-on") {
      has_runs_on = true;
      read_runs_on(r, e.value, where, job);
    } else if (e.key == "permissions") {
      job.has_permissions = true;
      job.permissions = read_permissions(r, e.value, where);
    } else if (e.key == "environment") {
      read_environment(r, e.value, where, job);
    } else if (e.key == "concurrency") {
      job.concurrency = detail::read_concurrency(r, e.value, where);
    } else if (e.key == "outputs") {
      job.outputs = r.scalar_map(e.value, what);
    } else if (e.key == "env") {
      job.env = r.scalar_map(e.value, what);
    } else if (e.key == "defaults") {
      job.defaults = detail::read_defaults(r, e.value, where);
    } else if (e.key == "timeout-minutes") {
      job.timeout_minutes = r.number_or_expr(e.value, what);
    } else if (e.key == "cancel-timeout-minutes") {
      r.number_or_expr(e.value, what);
      r.diagnostics().warning(e.key_pos, what + " is not supported yet and is ignored",
                              "cancelled jobs get a fixed grace period before they are killed");
    } else if (e.key == "strategy") {
      read_strategy(r, e.value, where, job.strategy);
    } else if (e.key == "continue-on-error") {
      job.continue_on_error = r.bool_or_expr(e.value, what);
    } else if (e.key == "steps") {
      has_steps = true;
      job.steps = detail::read_steps(r, e.value, where, false);
    } else if (e.key == "uses") {
      job.uses = r.scalar(e.value, what);
      if (job.uses) job.called = detail::read_action_ref(r, *job.uses, where, true);
    } else if (e.key == "with") {
      job.with = r.scalar_map(e.value, what);
    } else if (e.key == "secrets") {
      read_job_secrets(r, e.value, where, job);
    } else if (e.key == "retry") {
      job.retry = detail::read_retry(r, e.value, where);
    }
  }
  if (caller) {
    return job;
  }
  if (!has_runs_on)
    r.diagnostics().error(pos, where + " has no 'runs-on'",
                          "add `runs-on: ubuntu-latest` (locally any label is accepted)");
  if (!has_steps)
    r.diagnostics().error(pos, where + " has no 'steps'",
                          "add `steps:` with at least one `- run: <command>`");
  else if (job.steps.empty() && node["steps"].IsSequence())
    r.diagnostics().error(pos, where + " has an empty 'steps' list",
                          "add at least one `- run: <command>`");
  return job;
}

std::optional<Workflow> read_workflow(YamlReader& r, const YAML::Node& root,
                                      const std::string& file) {
  Workflow wf;
  wf.file = file;
  if (root.IsNull()) {
    r.diagnostics().error({file, 1, 1}, "workflow file is empty",
                          "add `on:` (the events) and `jobs:` (the work)");
    return std::nullopt;
  }
  if (!r.expect_map(root, "the workflow", "a workflow is a mapping with `on:` and `jobs:`"))
    return std::nullopt;
  bool has_on = false, has_jobs = false;
  for (auto& e : r.entries(root, "the workflow", kRootKeys)) {
    const std::string what = "'" + e.key + "'";
    if (e.key == "name") {
      wf.name = r.scalar(e.value, what);
    } else if (e.key == "description") {
      r.string(e.value, what);
    } else if (e.key == "run-name") {
      wf.run_name = r.scalar(e.value, what);
    } else if (e.key == "on") {
      has_on = true;
      detail::read_triggers(r, e.value, wf.on);
    } else if (e.key == "env") {
      wf.env = r.scalar_map(e.value, "'env' of the workflow");
    } else if (e.key == "defaults") {
      wf.defaults = detail::read_defaults(r, e.value, "the workflow");
    } else if (e.key == "permissions") {
      wf.has_permissions = true;
      wf.permissions = read_permissions(r, e.value, "the workflow");
    } else if (e.key == "concurrency") {
      wf.concurrency = detail::read_concurrency(r, e.value, "the workflow");
    } else if (e.key == "jobs") {
      has_jobs = true;
      if (!r.expect_map(e.value, "'jobs'",
                        "write each job as `<id>:` with its keys indented under it"))
        continue;
      for (auto& j : r.entries(e.value, "'jobs'", {})) {
        if (wf.jobs.size() == kMaxWorkflowJobs) {
          // Stop here: the rest of the jobs are not read, so the work stays bounded.
          r.diagnostics().error(j.key_pos,
                                "too many jobs: job '" + j.key + "' is number " +
                                    std::to_string(kMaxWorkflowJobs + 1) +
                                    "; a workflow has at most " + std::to_string(kMaxWorkflowJobs) +
                                    " jobs",
                                "split the work into several workflows, or use a matrix");
          break;
        }
        wf.jobs.push_back(read_job(r, j.key, j.key_pos, j.value));
      }
      if (wf.jobs.empty())
        r.diagnostics().error(r.pos(e.value), "'jobs' is empty", "add at least one job");
    }
  }
  const SourcePos top{file, 1, 1};
  if (!has_on)
    r.diagnostics().error(top, "workflow has no 'on'",
                          "add the events that trigger it, e.g. `on: [push, workflow_dispatch]`");
  if (!has_jobs)
    r.diagnostics().error(top, "workflow has no 'jobs'", "add `jobs:` with at least one job");
  return wf;
}

}  // namespace

std::optional<Workflow> load_workflow_text(std::string_view text, const std::string& file,
                                           Diagnostics& diagnostics) {
  if (text.size() > kMaxWorkflowFileBytes) {
    diagnostics.error({file, 0, 0},
                      "workflow file is too large (" + std::to_string(text.size()) +
                          " bytes; the limit is " + std::to_string(kMaxWorkflowFileBytes) + ")",
                      "split it into several workflows or reusable workflows");
    return std::nullopt;
  }
  Diagnostics local;
  YamlReader reader(file, text, local);
  auto root = reader.parse();
  std::optional<Workflow> wf;
  if (root) wf = read_workflow(reader, *root, file);
  bool failed = local.has_errors();
  diagnostics.append(local);
  if (failed) return std::nullopt;
  return wf;
}

std::optional<Workflow> load_workflow_file(const std::string& path, Diagnostics& diagnostics) {
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  if (ec) {
    diagnostics.error({path, 0, 0}, "cannot read workflow file: " + ec.message(),
                      "check that the file exists and is readable");
    return std::nullopt;
  }
  if (size > kMaxWorkflowFileBytes) {
    diagnostics.error({path, 0, 0},
                      "workflow file is too large (" + std::to_string(size) +
                          " bytes; the limit is " + std::to_string(kMaxWorkflowFileBytes) + ")",
                      "split it into several workflows or reusable workflows");
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    diagnostics.error({path, 0, 0}, "cannot open workflow file", "check its permissions");
    return std::nullopt;
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return load_workflow_text(buffer.str(), path, diagnostics);
}

std::optional<Triggers> load_workflow_triggers(const std::string& path) {
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  std::ifstream in(path, std::ios::binary);
  if (ec || size > kMaxWorkflowFileBytes || !in) return std::nullopt;
  std::ostringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  Diagnostics local;
  YamlReader reader(path, text, local);
  auto root = reader.parse();
  if (!root || !root->IsMap() || !(*root)["on"].IsDefined()) return std::nullopt;
  Triggers on;
  detail::read_triggers(reader, (*root)["on"], on);
  if (local.has_errors()) return std::nullopt;
  return on;
}

std::vector<std::string> discover_workflow_files(const std::string& repo_dir) {
  namespace fs = std::filesystem;
  std::vector<std::string> out;
  for (const char* sub : {".github/workflows", ".sluice/workflows"}) {
    std::vector<std::string> found;
    std::error_code ec;
    fs::path dir = fs::path(repo_dir) / sub;
    if (!fs::is_directory(dir, ec)) continue;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
      auto ext = entry.path().extension().string();
      if ((ext == ".yml" || ext == ".yaml") && entry.is_regular_file(ec))
        found.push_back((fs::path(repo_dir) / sub / entry.path().filename()).string());
    }
    std::sort(found.begin(), found.end());
    out.insert(out.end(), found.begin(), found.end());
  }
  return out;
}

}  // namespace sluice::spec
