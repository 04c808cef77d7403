#include "exec/container/container_scripts.h"

#include <cmath>

#include "core/text.h"

namespace sluice::exec::container {
namespace {

// A word that stands for the `--add-host` words of the job's services (sluice_hosts, filled
// by service_hosts_lines at run time): zero or more words.
constexpr const char* kServiceHostsPlaceholder = "\x01hosts\x01";

std::string quoted_args(const std::vector<std::string>& args) {
  std::string out;
  for (const auto& a : args) {
    out += ' ';
    if (a == kScriptPlaceholder)
      out += "\"$SLUICE_STEP_SCRIPT\"";
    else if (a == kServiceHostsPlaceholder)
      out += "\"${sluice_hosts[@]}\"";
    else
      out += shell_quote(a);
  }
  return out;
}

// Fills the array sluice_hosts with `--add-host <key>:<address>` for each service (key) on
// the job's network, with one `inspect`. When the addresses cannot be read the names are
// left to the network's DNS alone, with a warning.
std::string service_hosts_lines(const ScriptTarget& t, const std::vector<std::string>& keys) {
  std::vector<std::string> containers;
  std::string quoted_keys;
  for (const auto& key : keys) {
    containers.push_back(t.names.service(key));
    quoted_keys += " " + shell_quote(key);
  }
  return "sluice_hosts=()\n"
         "if sluice_addresses=$(" +
         command_line(t.engine, network_addresses_args(t.names.network, containers)) +
         " 2>/dev/null); then\n"
         "  mapfile -t sluice_addresses <<<\"$sluice_addresses\"\n"
         "  sluice_keys=(" +
         quoted_keys +
         " )\n"
         "  for sluice_i in \"${!sluice_keys[@]}\"; do\n"
         "    [ -z \"${sluice_addresses[sluice_i]:-}\" ] ||\n"
         "      sluice_hosts+=(--add-host "
         "\"${sluice_keys[sluice_i]}:${sluice_addresses[sluice_i]}\")\n"
         "  done\n"
         "else\n"
         "  echo 'sluice: warning: cannot read the addresses of the services; their names depend "
         "on the network'\"'\"'s DNS alone'\n"
         "fi\n";
}

// A here-document delimiter that is not a line of `text`.
std::string heredoc_delimiter(const std::string& text) {
  std::string delimiter = "SLUICE_STEP_SCRIPT_END";
  while (text.find(delimiter) != std::string::npos) delimiter += "_";
  return delimiter;
}

// The registry part of an image name ("docker.io" when it has none), for `login`.
std::string registry_of(const std::string& image) {
  size_t slash = image.find('/');
  if (slash == std::string::npos) return "docker.io";
  std::string first = image.substr(0, slash);
  if (first.find('.') == std::string::npos && first.find(':') == std::string::npos &&
      first != "localhost")
    return "docker.io";
  return first;
}

// `credentials:`: log in with a private auth file, pull, and leave the image local so that
// `run` needs no credentials.
std::string credential_lines(const ScriptTarget& t, const engine::ContainerRequest& c,
                             const std::string& what) {
  if (c.username.empty() && c.password.empty()) return "";
  std::string auth = "\"$SLUICE_DIR/auth\"";
  std::string engine = shell_quote(t.engine);
  std::string config = t.kind == EngineKind::kPodman ? "" : " --config " + auth;
  std::string file = t.kind == EngineKind::kPodman ? " --authfile " + auth + "/auth.json" : "";
  std::string out = "mkdir -p -m 700 " + auth + "\n";
  out += "( export SLUICE_PASSWORD=" + shell_quote(c.password) +
         "; printf '%s' \"$SLUICE_PASSWORD\" | " + engine + config + " login" + file +
         " --username " + shell_quote(c.username) + " --password-stdin " +
         shell_quote(registry_of(c.image)) + " >/dev/null ) || sluice_fail " +
         shell_quote("cannot log in to " + registry_of(c.image) + " for " + what) + "\n";
  out += engine + config + " pull" + file + " " + shell_quote(c.image) +
         " >/dev/null || sluice_fail " + shell_quote("cannot pull " + c.image + " for " + what) +
         "\n";
  return out;
}

constexpr const char* kPrologue = R"SH(set -u
SLUICE_DIR=${0%/*}
sluice_fail() { echo "error: $1" >&2; exit 1; }
)SH";

// Waits until `$1` (a container) passes its health check, at most `$2` seconds. Podman
// runs checks from systemd timers, which may not exist: run the check here instead.
std::string health_function(const ScriptTarget& t) {
  std::string engine = shell_quote(t.engine);
  std::string check =
      t.kind == EngineKind::kPodman
          ? "    if " + engine + " healthcheck run \"$1\" >/dev/null 2>&1; then return 0; fi\n"
          : "    case $(" + engine +
                " inspect --format '{{if .State.Health}}{{.State.Health.Status}}{{end}}' \"$1\"" +
                ") in healthy) return 0;; unhealthy) return 1;; esac\n";
  return "sluice_wait_healthy() {\n"
         "  local deadline=$((SECONDS + $2))\n"
         "  while :; do\n" +
         check + "    [ \"$(" + engine +
         " inspect --format '{{.State.Running}}' \"$1\" 2>/dev/null)\" = true ] || return 1\n"
         "    [ \"$SECONDS\" -lt \"$deadline\" ] || return 1\n"
         "    sleep 0.25\n"
         "  done\n"
         "}\n";
}

std::string report_ports(const ScriptTarget& t, const std::string& container,
                         const std::string& key) {
  // `port` prints "5432/tcp -> 0.0.0.0:49153" (and the same for [::] on Docker).
  return "while read -r sluice_cport _ sluice_host; do\n"
         "  echo \"sluice: " +
         key +
         " port $sluice_cport -> $sluice_host\"\n"
         "  echo \"" +
         key +
         ".port.${sluice_cport%%/*}=${sluice_host##*:}\" >> \"$GITHUB_OUTPUT\"\n"
         "done < <(" +
         shell_quote(t.engine) + quoted_args(port_args(container)) + ")\n";
}

}  // namespace

std::string command_line(const std::string& engine, const std::vector<std::string>& args,
                         const std::vector<std::pair<std::string, std::string>>& env) {
  std::string line = shell_quote(engine) + quoted_args(args);
  if (env.empty()) return line;
  std::string exports = "export";
  for (const auto& [k, v] : env) exports += " " + k + "=" + shell_quote(v);
  return "( " + exports + "; exec " + line + " )";
}

Result<std::string> start_script(const ScriptTarget& t, const engine::JobContainers& job) {
  std::string s = kPrologue + health_function(t);
  s += "echo " + shell_quote("sluice: network " + t.names.network) + "\n";
  s += command_line(t.engine, network_create_args(t.names, t.labels)) +
       " >/dev/null || sluice_fail " + shell_quote("cannot create network " + t.names.network) +
       "\n";
  for (const auto& service : job.services) {
    auto words = split_options(service.options);
    if (!words.ok()) {
      Error e = words.error();
      e.message = "service '" + service.service_id + "': " + e.message;
      e.pos = service.pos;
      return e;
    }
    // Podman would add systemd timers for the check (and complain where there are none);
    // sluice runs the check itself (sluice_wait_healthy).
    if (t.kind == EngineKind::kPodman && health_wait(*words).has_check)
      words->insert(words->end(), {"--health-interval", "disable"});
    std::string name = t.names.service(service.service_id);
    std::string what = "service '" + service.service_id + "'";
    std::string key = "service." + service.service_id;
    s += "echo " + shell_quote("sluice: starting " + what + " (" + service.image + ")") + "\n";
    s += credential_lines(t, service, what);
    s += "sluice_id=$( " +
         command_line(t.engine, service_run_args(service, t.names, t.labels, *words), service.env) +
         ") || sluice_fail " + shell_quote(what + " did not start") + "\n";
    s += "echo \"" + key + ".id=$sluice_id\" >> \"$GITHUB_OUTPUT\"\n";
    s += "echo \"" + key + ".network=" + t.names.network + "\" >> \"$GITHUB_OUTPUT\"\n";
    s += report_ports(t, name, key);
  }
  for (const auto& service : job.services) {
    HealthWait wait = health_wait(*split_options(service.options));
    if (!wait.has_check) continue;
    std::string name = t.names.service(service.service_id);
    std::string what = "service '" + service.service_id + "'";
    s += "echo " + shell_quote("sluice: waiting for " + what + " to be healthy") + "\n";
    s += "if ! sluice_wait_healthy " + shell_quote(name) + " " +
         std::to_string(static_cast<long>(std::ceil(wait.budget_seconds()))) + "; then\n  " +
         command_line(t.engine, logs_args(name)) + " 2>&1\n  sluice_fail " +
         shell_quote(what + " is not healthy") + "\nfi\n";
    s += "echo " + shell_quote("sluice: " + what + " is healthy") + "\n";
  }
  if (job.job) {
    auto words = split_options(job.job->options);
    if (!words.ok()) {
      Error e = words.error();
      e.message = "container: " + e.message;
      e.pos = job.job->pos;
      return e;
    }
    if (!job.services.empty()) {
      std::vector<std::string> keys;
      for (const auto& service : job.services) keys.push_back(service.service_id);
      s += service_hosts_lines(t, keys);
      words->push_back(kServiceHostsPlaceholder);  // after the user's: their --add-host wins
    }
    s +=
        "echo " + shell_quote("sluice: starting the job container (" + job.job->image + ")") + "\n";
    s += credential_lines(t, *job.job, "the job container");
    s += "sluice_id=$( " +
         command_line(t.engine, job_container_run_args(job, t.names, t.labels, *words),
                      job.job->env) +
         ") || sluice_fail 'the job container did not start'\n";
    s += "echo \"container.id=$sluice_id\" >> \"$GITHUB_OUTPUT\"\n";
    s += "echo \"container.network=" + t.names.network + "\" >> \"$GITHUB_OUTPUT\"\n";
    s += report_ports(t, t.names.job, "container");
  }
  return s;
}

std::string stop_script(const ScriptTarget& t, const engine::JobContainers& job) {
  std::string s = kPrologue;
  for (const auto& service : job.services) {
    std::string name = t.names.service(service.service_id);
    s += "echo " + shell_quote("::group::Service container " + service.service_id + " logs") + "\n";
    s += command_line(t.engine, logs_args(name)) + " 2>&1 || true\n";
    s += "echo '::endgroup::'\n";
  }
  std::vector<std::string> filters = t.labels.job_filters();
  s += "sluice_ids=$(" + command_line(t.engine, list_by_label_args(filters)) + ")\n";
  s += "if [ -n \"$sluice_ids\" ]; then " + command_line(t.engine, remove_args(t.kind, {})) +
       " $sluice_ids >/dev/null || sluice_fail 'cannot remove the job'\"'\"'s containers'; fi\n";
  s += "sluice_nets=$(" + command_line(t.engine, network_list_by_label_args(filters)) + ")\n";
  s += "if [ -n \"$sluice_nets\" ]; then " + shell_quote(t.engine) +
       " network rm -f $sluice_nets >/dev/null || sluice_fail 'cannot remove the job'\"'\"'s "
       "network'; fi\n";
  s += "echo " + shell_quote("sluice: containers of the job removed") + "\n";
  return s;
}

std::string exec_script(const ScriptTarget& t, const ExecStep& step) {
  std::string s = kPrologue;
  s += "SLUICE_STEP_SCRIPT=$SLUICE_DIR/container-step" + step.script_extension + "\n";
  if (!step.script.empty()) {
    std::string delimiter = heredoc_delimiter(step.script);
    s += "cat > \"$SLUICE_STEP_SCRIPT\" <<'" + delimiter + "'\n" + step.script +
         (step.script.ends_with('\n') ? "" : "\n") + delimiter + "\n";
  }
  std::vector<std::string> command = step.shell_command;
  if (!step.path_prepend.empty()) {
    command.insert(command.begin(),
                   {"sh", "-c", "PATH=\"$0:$PATH\"; export PATH; exec \"$@\"", step.path_prepend});
  }
  if (!step.cancel_flag.empty())
    command.insert(command.begin(),
                   {"sh", "-c", "[ ! -e \"$0\" ] || exit 143; exec \"$@\"", step.cancel_flag});
  s += "exec " +
       command_line(t.engine, exec_args(t.names, step.working_dir, step.env_names, command)) + "\n";
  return s;
}

std::string docker_action_script(const ScriptTarget& t, const engine::DockerActionRequest& action,
                                 const DockerRun& run) {
  std::string s = kPrologue;
  if (!run.dockerfile.empty()) {
    s += "if ! " + command_line(t.engine, image_exists_args(t.kind, run.image)) +
         " >/dev/null 2>&1; then\n";
    s +=
        "  echo " + shell_quote("sluice: building " + run.image + " from " + run.dockerfile) + "\n";
    s += "  " + command_line(t.engine, build_args(run.image, run.dockerfile, run.context_dir)) +
         " || sluice_fail " + shell_quote("cannot build " + run.dockerfile) + "\n";
    s += "fi\n";
  }
  std::vector<std::string> network_words;
  if (!run.service_hosts.empty()) {
    s += service_hosts_lines(t, run.service_hosts);
    network_words.push_back(kServiceHostsPlaceholder);
  }
  if (run.netns_handshake.empty()) {
    s += "exec " +
         command_line(t.engine,
                      docker_action_run_args(action, run.image, run.container_name, run.network,
                                             t.labels, run.env_names, network_words)) +
         "\n";
    return s;
  }
  std::string file = shell_quote(run.netns_handshake);
  s += command_line(t.engine,
                    docker_action_create_args(action, run.image, run.container_name, run.network,
                                              t.labels, run.env_names, network_words)) +
       " >/dev/null || sluice_fail 'cannot create the action'\"'\"'s container'\n";
  s += "sluice_remove() { " + command_line(t.engine, remove_args(t.kind, {run.container_name})) +
       " >/dev/null 2>&1; }\n";
  s += command_line(t.engine, init_args(run.container_name)) +
       " >/dev/null || { sluice_remove; sluice_fail 'cannot set the action'\"'\"'s container up'; "
       "}\n";
  s += "sluice_pid=$(" + command_line(t.engine, pid_args(run.container_name)) + ") || true\n";
  s += "printf '%s\\n' \"$sluice_pid\" > " + file + ".tmp && mv " + file + ".tmp " + file + "\n";
  s += "for ((sluice_i = 0; sluice_i < 400; sluice_i++)); do [ -e " + file +
       ".ready ] && break; sleep 0.025; done\n";
  s += "exec " + command_line(t.engine, start_attached_args(run.container_name)) + "\n";
  return s;
  return s;
}

}  // namespace sluice::exec::container
