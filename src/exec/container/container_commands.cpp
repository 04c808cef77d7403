#include "exec/container/container_commands.h"

#include <cctype>
#include <cstdint>
#include <cstdio>

#include "core/text.h"
#include "exec/shell_command.h"

namespace sluice::exec::container {
namespace {

// FNV-1a: names only need to differ, not to resist an attacker (labels decide ownership).
uint64_t fnv1a(std::string_view text) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

std::string hex(uint64_t value) {
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(value));
  return text;
}

std::string job_hash(std::string_view job_scope, std::string_view data_dir) {
  return hex(fnv1a(std::string(data_dir) + '\0' + std::string(job_scope)));
}

std::string run_id_of(std::string_view job_scope) {
  size_t slash = job_scope.find('/');
  std::string_view id = job_scope.substr(0, slash);
  if (slash == std::string_view::npos || id.empty()) return "";
  for (char c : id)
    if (!std::isdigit(static_cast<unsigned char>(c))) return "";
  return std::string(id);
}

void add_env_names(std::vector<std::string>& args,
                   const std::vector<std::pair<std::string, std::string>>& env) {
  for (const auto& [name, value] : env) {
    args.push_back("-e");
    args.push_back(name);
  }
}

void add_list(std::vector<std::string>& args, const char* flag,
              const std::vector<std::string>& values) {
  for (const auto& v : values) {
    args.push_back(flag);
    args.push_back(v);
  }
}

void add_same_path_mounts(std::vector<std::string>& args, const std::vector<std::string>& mounts) {
  for (const auto& m : mounts) {
    args.push_back("-v");
    args.push_back(m + ":" + m);
  }
}

void append(std::vector<std::string>& args, const std::vector<std::string>& more) {
  args.insert(args.end(), more.begin(), more.end());
}

// The value of `--flag value` or `--flag=value` in `words`, last one winning.
std::string option_value(const std::vector<std::string>& words, std::string_view flag) {
  std::string value;
  for (size_t i = 0; i < words.size(); ++i) {
    const std::string& w = words[i];
    if (w == flag && i + 1 < words.size()) {
      value = words[++i];
    } else if (w.size() > flag.size() && w.compare(0, flag.size(), flag) == 0 &&
               w[flag.size()] == '=') {
      value = w.substr(flag.size() + 1);
    }
  }
  return value;
}

}  // namespace

std::string ContainerNames::service(std::string_view id) const {
  return prefix + "-" + std::string(id);
}

std::vector<std::string> Labels::args() const {
  std::vector<std::string> out;
  if (!run_id.empty()) out.insert(out.end(), {"--label", "sluice.run=" + run_id});
  for (const auto& f : job_filters()) out.insert(out.end(), {"--label", f});
  if (!job_scope.empty()) out.insert(out.end(), {"--label", "sluice.scope=" + job_scope});
  if (!data_dir.empty()) out.insert(out.end(), {"--label", "sluice.data-dir=" + data_dir});
  return out;
}

std::vector<std::string> Labels::job_filters() const {
  std::vector<std::string> out = {"sluice.job=" + job};
  if (!data.empty()) out.push_back("sluice.data=" + data);
  return out;
}

ContainerNames names_for(std::string_view job_scope, std::string_view data_dir) {
  std::string run = run_id_of(job_scope);
  ContainerNames n;
  n.prefix =
      "sluice-" + (run.empty() ? "" : run + "-") + job_hash(job_scope, data_dir).substr(0, 12);
  n.network = n.prefix;
  n.job = n.prefix + "-job";
  return n;
}

Labels labels_for(std::string_view job_scope, std::string_view data_dir) {
  return Labels{run_id_of(job_scope), std::string(job_scope), job_hash(job_scope, data_dir),
                data_label(data_dir), std::string(data_dir)};
}

std::string data_label(std::string_view data_dir) {
  return data_dir.empty() ? std::string() : hex(fnv1a(data_dir));
}

Result<std::vector<std::string>> split_options(std::string_view options) {
  auto words = split_shell_words(options);
  if (!words.ok()) return Error{"options " + words.error().message, {}};
  return words;
}

double parse_duration_seconds(std::string_view text) {
  if (text.empty()) return -1;
  double total = 0;
  size_t i = 0;
  while (i < text.size()) {
    size_t start = i;
    while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.'))
      ++i;
    if (start == i) return -1;
    double number = std::stod(std::string(text.substr(start, i - start)));
    size_t unit_start = i;
    while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i]))) ++i;
    std::string_view unit = text.substr(unit_start, i - unit_start);
    if (unit == "h") {
      total += number * 3600;
    } else if (unit == "m") {
      total += number * 60;
    } else if (unit == "s" || (unit.empty() && i == text.size() && start == 0)) {
      total += number;  // a bare number: seconds
    } else if (unit == "ms") {
      total += number / 1000;
    } else if (unit == "us" || unit == "µs") {
      total += number / 1e6;
    } else if (unit == "ns") {
      total += number / 1e9;
    } else {
      return -1;
    }
  }
  return total;
}

double HealthWait::budget_seconds() const {
  return start_period_seconds + interval_seconds * (retries + 1);
}

HealthWait health_wait(const std::vector<std::string>& words) {
  HealthWait wait;
  std::string cmd = option_value(words, "--health-cmd");
  bool disabled = false;
  for (const auto& w : words)
    if (w == "--no-healthcheck") disabled = true;
  wait.has_check = !cmd.empty() && cmd != "none" && !disabled;
  if (double s = parse_duration_seconds(option_value(words, "--health-interval")); s > 0)
    wait.interval_seconds = s;
  if (double s = parse_duration_seconds(option_value(words, "--health-start-period")); s >= 0)
    wait.start_period_seconds = s;
  std::string retries = option_value(words, "--health-retries");
  if (!retries.empty() && retries.find_first_not_of("0123456789") == std::string::npos &&
      retries.size() < 6)
    wait.retries = std::stoi(retries);
  return wait;
}

std::vector<std::string> network_create_args(const ContainerNames& names, const Labels& labels) {
  std::vector<std::string> args = {"network", "create"};
  append(args, labels.args());
  args.push_back(names.network);
  return args;
}

std::vector<std::string> service_run_args(const engine::ContainerRequest& service,
                                          const ContainerNames& names, const Labels& labels,
                                          const std::vector<std::string>& option_words) {
  std::vector<std::string> args = {
      "run",       "-d",          "--name",          names.service(service.service_id),
      "--network", names.network, "--network-alias", service.service_id};
  append(args, labels.args());
  add_env_names(args, service.env);
  add_list(args, "-p", service.ports);
  add_list(args, "-v", service.volumes);
  append(args, option_words);
  args.push_back(service.image);
  return args;
}

std::vector<std::string> job_container_run_args(const engine::JobContainers& job,
                                                const ContainerNames& names, const Labels& labels,
                                                const std::vector<std::string>& option_words) {
  const engine::ContainerRequest& c = *job.job;
  std::vector<std::string> args = {"run", "-d", "--name", names.job, "--network", names.network};
  append(args, labels.args());
  add_env_names(args, c.env);
  add_list(args, "-p", c.ports);
  add_list(args, "-v", c.volumes);
  add_same_path_mounts(args, job.mounts);
  args.insert(args.end(), {"-w", job.workspace, "--entrypoint", "tail"});
  append(args, option_words);
  args.insert(args.end(), {c.image, "-f", "/dev/null"});
  return args;
}

std::vector<std::string> exec_args(const ContainerNames& names, const std::string& working_dir,
                                   const std::vector<std::string>& env_names,
                                   const std::vector<std::string>& command) {
  std::vector<std::string> args = {"exec", "-w", working_dir};
  for (const auto& name : env_names) args.insert(args.end(), {"-e", name});
  args.push_back(names.job);
  append(args, command);
  return args;
}

// Markers end with '.', so that "-exec-1." never matches inside "-exec-12.".
std::vector<std::string> kill_marked_args(const ContainerNames& names, const std::string& marker) {
  return {"exec",
          names.job,
          "sh",
          "-c",
          "for p in /proc/[0-9]*; do grep -qaF \"" + std::string(kStepMarker) +
              "=$1\" \"$p/environ\" 2>/dev/null && kill -9 \"${p#/proc/}\" 2>/dev/null; "
              "done; true",
          "sh",
          marker};
}

std::vector<std::string> docker_action_run_args(const engine::DockerActionRequest& action,
                                                const std::string& image,
                                                const std::string& container_name,
                                                const std::string& network, const Labels& labels,
                                                const std::vector<std::string>& env_names,
                                                const std::vector<std::string>& network_words) {
  std::vector<std::string> args = {"run", "--rm", "--name", container_name};
  append(args, labels.args());
  if (!network.empty()) args.insert(args.end(), {"--network", network});
  append(args, network_words);
  add_same_path_mounts(args, action.mounts);
  args.insert(args.end(), {"-w", action.workspace});
  for (const auto& name : env_names) args.insert(args.end(), {"-e", name});
  if (!action.entrypoint.empty()) args.insert(args.end(), {"--entrypoint", action.entrypoint});
  args.push_back(image);
  append(args, action.args);
  return args;
}

std::vector<std::string> docker_action_create_args(const engine::DockerActionRequest& action,
                                                   const std::string& image,
                                                   const std::string& container_name,
                                                   const std::string& network, const Labels& labels,
                                                   const std::vector<std::string>& env_names,
                                                   const std::vector<std::string>& network_words) {
  std::vector<std::string> args = docker_action_run_args(action, image, container_name, network,
                                                         labels, env_names, network_words);
  args[0] = "create";  // with --rm: removed when it exits, before `start --attach` returns
  return args;
}

std::vector<std::string> init_args(const std::string& container) {
  return {"init", container};
}

std::vector<std::string> start_attached_args(const std::string& container) {
  return {"start", "--attach", container};
}

std::vector<std::string> pid_args(const std::string& container) {
  return {"inspect", "--format", "{{.State.Pid}}", container};
}

std::vector<std::string> network_addresses_args(const std::string& network,
                                                const std::vector<std::string>& containers) {
  // The network name is quoted for the Go template; sluice's names have no '"' or '\\'.
  std::vector<std::string> args = {
      "inspect", "--format", "{{(index .NetworkSettings.Networks \"" + network + "\").IPAddress}}"};
  append(args, containers);
  return args;
}

std::vector<std::string> build_args(const std::string& tag, const std::string& dockerfile,
                                    const std::string& context_dir) {
  return {"build", "-t", tag, "-f", dockerfile, context_dir};
}

std::vector<std::string> image_exists_args(EngineKind kind, const std::string& image) {
  if (kind == EngineKind::kPodman) return {"image", "exists", image};
  return {"image", "inspect", "--format", "{{.Id}}", image};
}

std::vector<std::string> remove_args(EngineKind kind, const std::vector<std::string>& containers) {
  std::vector<std::string> args = {"rm", "-f"};
  if (kind == EngineKind::kPodman) args.insert(args.end(), {"-t", "0"});
  append(args, containers);
  return args;
}

std::vector<std::string> list_by_label_args(const std::vector<std::string>& label_filters) {
  std::vector<std::string> args = {"ps", "-a", "-q"};
  for (const auto& f : label_filters) args.insert(args.end(), {"--filter", "label=" + f});
  return args;
}

std::vector<std::string> network_list_by_label_args(const std::vector<std::string>& label_filters) {
  std::vector<std::string> args = {"network", "ls", "-q"};
  for (const auto& f : label_filters) args.insert(args.end(), {"--filter", "label=" + f});
  return args;
}

std::vector<std::string> logs_args(const std::string& container) {
  return {"logs", container};
}

std::vector<std::string> port_args(const std::string& container) {
  return {"port", container};
}

std::string docker_image_of(std::string_view uses) {
  constexpr std::string_view kPrefix = "docker://";
  if (uses.substr(0, kPrefix.size()) != kPrefix) return "";
  return std::string(uses.substr(kPrefix.size()));
}

Result<std::vector<std::string>> container_shell_command(std::string_view shell,
                                                         const std::string& script_path) {
  // The script path is always a word of its own (scripts substitute it at run time).
  auto via_sh = [&](std::string command) {
    return std::vector<std::string>{"sh", "-c", std::move(command), "sh", script_path};
  };
  if (shell.empty())
    return via_sh(
        "if command -v bash >/dev/null 2>&1; then exec bash -e \"$1\"; fi; exec sh -e \"$1\"");
  if (shell == "bash")
    return std::vector<std::string>{"bash", "--noprofile", "--norc",
                                    "-eo",  "pipefail",    script_path};
  if (shell == "sh") return std::vector<std::string>{"sh", "-e", script_path};
  if (shell == "python")
    return via_sh(
        "if command -v python3 >/dev/null 2>&1; then exec python3 \"$1\"; fi; exec python \"$1\"");
  if (shell == "pwsh" || shell == "powershell")
    return via_sh("exec " + std::string(shell) + " -command \". '$1'\"");
  if (shell.find("{0}") == std::string_view::npos)
    return Error{"unknown shell '" + std::string(shell) +
                     "': use bash, sh, python or pwsh, or a command template containing {0}",
                 {}};
  std::string command(shell);
  for (size_t pos = command.find("{0}"); pos != std::string::npos; pos = command.find("{0}", pos))
    command.replace(pos, 3, "\"$1\"");
  return via_sh(command);
}

}  // namespace sluice::exec::container
