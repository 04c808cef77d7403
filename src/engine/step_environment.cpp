#include "engine/step_environment.h"

#include <sys/utsname.h>

#include <cctype>

namespace sluice::engine {

std::map<std::string, std::string> inherited_environment(std::map<std::string, std::string> host) {
  for (const char* session : {"SHELL", "SHLVL", "PWD", "OLDPWD", "_"}) host.erase(session);
  return host;
}

const std::string& runner_arch() {
  static const std::string arch = [] {
    utsname name{};
    if (uname(&name) != 0) return std::string("X64");
    std::string machine = name.machine;
    if (machine == "aarch64" || machine == "arm64") return std::string("ARM64");
    if (machine.starts_with("arm")) return std::string("ARM");
    if (machine == "i386" || machine == "i686") return std::string("X86");
    return std::string("X64");
  }();
  return arch;
}

std::string tool_cache_dir(const RunOptions& options) {
  return options.tool_cache_dir.empty() ? options.temp_dir + "/tool-cache" : options.tool_cache_dir;
}

std::map<std::string, std::string> default_step_env(const RunOptions& options, const Value& github,
                                                    const std::string& job_id,
                                                    const std::string& action) {
  std::map<std::string, std::string> env;
  auto g = [&](const char* key) { return github.get(key).to_string(); };
  env["CI"] = "true";
  env["GITHUB_ACTIONS"] = "true";
  env["SLUICE"] = "true";
  env["GITHUB_WORKSPACE"] = options.workspace;
  env["GITHUB_SHA"] = g("sha");
  env["GITHUB_REF"] = g("ref");
  env["GITHUB_REF_NAME"] = g("ref_name");
  env["GITHUB_REF_TYPE"] = g("ref_type");
  env["GITHUB_HEAD_REF"] = g("head_ref");
  env["GITHUB_BASE_REF"] = g("base_ref");
  env["GITHUB_EVENT_NAME"] = g("event_name");
  env["GITHUB_EVENT_PATH"] = g("event_path");
  env["GITHUB_REPOSITORY"] = g("repository");
  env["GITHUB_REPOSITORY_OWNER"] = g("repository_owner");
  env["GITHUB_RUN_ID"] = g("run_id");
  env["GITHUB_RUN_NUMBER"] = g("run_number");
  env["GITHUB_RUN_ATTEMPT"] = g("run_attempt");
  env["GITHUB_ACTOR"] = g("actor");
  env["GITHUB_TRIGGERING_ACTOR"] = g("actor");
  env["GITHUB_WORKFLOW"] = g("workflow");
  env["GITHUB_WORKFLOW_REF"] = g("workflow_ref");
  env["GITHUB_SERVER_URL"] = g("server_url");
  env["GITHUB_API_URL"] = g("api_url");
  env["GITHUB_JOB"] = job_id;
  env["GITHUB_ACTION"] = action;
  // Set by the action's step (job_run_request.cpp); empty for `run:` steps, as on GitHub.
  env["GITHUB_ACTION_REPOSITORY"] = "";
  env["GITHUB_ACTION_REF"] = "";
  env["RUNNER_OS"] = "Linux";
  env["RUNNER_ARCH"] = runner_arch();
  env["RUNNER_NAME"] = options.runner_name;
  env["RUNNER_TEMP"] = options.temp_dir;
  env["RUNNER_TOOL_CACHE"] = tool_cache_dir(options);
  // setup-* actions read the tool cache from here too (the hosted images set both).
  env["AGENT_TOOLSDIRECTORY"] = tool_cache_dir(options);
  // The hosted image whose prebuilt toolchains (setup-python, setup-node manifests) run
  // here: Ubuntu 22.04's need glibc 2.35, which Debian 12 (2.36) has; ubuntu24's need 2.39.
  env["ImageOS"] = "ubuntu22";
  env["RUNNER_WORKSPACE"] = options.workspace;
  env["SLUICE_RUN_ID"] = g("run_id");
  if (!options.artifacts_root.empty())
    env["SLUICE_ARTIFACTS_DIR"] = options.artifacts_root + "/" + g("run_id");
  return env;
}

std::string input_env_name(const std::string& input) {
  std::string name = "INPUT_";
  for (char c : input)
    name += c == ' ' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return name;
}

Result<std::map<std::string, std::string>> action_inputs(const ResolvedAction& action,
                                                         const spec::Step& step,
                                                         const expr::EvalContext& ctx,
                                                         const ScalarEvaluator& evaluate) {
  std::map<std::string, std::string> inputs;
  for (const auto& [key, scalar] : step.with) {
    auto value = evaluate(scalar, ctx);
    if (!value.ok()) return value.error();
    inputs[to_lower(key)] = value->to_string();
  }
  for (const spec::ActionInput& input : action.action.inputs) {
    std::string key = to_lower(input.id);
    if (inputs.count(key)) continue;
    if (input.default_value) {
      auto value = evaluate(spec::Scalar{*input.default_value, input.pos}, ctx);
      if (!value.ok()) return value.error();
      inputs[key] = value->to_string();
    } else if (input.required) {
      return Error{"action '" + action.uses + "' requires input '" + input.id + "'", step.pos};
    } else {
      inputs[key] = "";
    }
  }
  return inputs;
}

std::string prepend_path(const std::vector<std::string>& additions, const std::string& path) {
  std::string out;
  for (auto it = additions.rbegin(); it != additions.rend(); ++it) out += *it + ":";
  return out + path;
}

}  // namespace sluice::engine
