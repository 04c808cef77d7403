// `sluice agent`: a remote agent of a controller (src/agent/agent.h, docs/agent-protocol.md).
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <thread>

#include "agent/agent.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/interrupts.h"
#include "exec/child_process.h"
#include "exec/container/container_cleanup.h"
#include "exec/container/container_executor.h"
#include "exec/local_process_executor.h"

namespace sluice::cli {
namespace {

struct AgentArgs {
  std::string server;
  std::string token;
  std::string labels;
  int executors = 1;
  std::string work_dir;
  std::string runtime_address = "127.0.0.1";
  std::string name;
  std::string container_engine;  // "" finds podman, else docker
};

std::vector<std::string> split_labels(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    std::string label = text.substr(start, end - start);
    while (!label.empty() && label.front() == ' ') label.erase(label.begin());
    while (!label.empty() && label.back() == ' ') label.pop_back();
    if (!label.empty()) out.push_back(label);
    start = end + 1;
  }
  return out;
}

// What an agent killed on this work dir left (a lease's directory stays only then): the
// directories of its leases, and their containers and networks (labelled with the work dir).
void clean_up_after_a_killed_agent(const std::string& work_dir, const std::string& engine) {
  std::filesystem::path leases = std::filesystem::path(work_dir) / "leases";
  std::error_code ec;
  if (std::filesystem::is_empty(leases, ec) || ec) return;
  exec::container::remove_containers_of_data_dir(work_dir, engine);
  std::filesystem::remove_all(leases, ec);
  if (ec) (void)exec::container::remove_tree_in_user_namespace(leases.string(), engine);
}

int run_agent(const AgentArgs& args) {
  agent::AgentOptions o;
  o.server = args.server.empty() && std::getenv("SLUICE_SERVER") ? std::getenv("SLUICE_SERVER")
                                                                 : args.server;
  o.token =
      args.token.empty() && std::getenv("SLUICE_TOKEN") ? std::getenv("SLUICE_TOKEN") : args.token;
  if (o.server.empty() || o.token.empty()) {
    std::cerr << "error: sluice agent needs --server URL and --token TOKEN "
                 "(or SLUICE_SERVER and SLUICE_TOKEN)\n";
    return kExitInvalid;
  }
  o.labels = split_labels(args.labels);
  for (const std::string& l : o.labels) {
    if (!agent::valid_label(l)) {
      std::cerr << "error: --labels: '" << l << "' is not a label (letters, digits, '.', '_', "
                << "'-'; at most 64)\n";
      return kExitInvalid;
    }
  }
  if (args.executors < 1 || args.executors > 64) {
    std::cerr << "error: --executors must be between 1 and 64\n";
    return kExitInvalid;
  }
  o.executors = args.executors;
  o.runtime_address = args.runtime_address;
  o.work_dir =
      args.work_dir.empty()
          ? (std::filesystem::temp_directory_path() / ("sluice-agent-" + std::to_string(getpid())))
                .string()
          : std::filesystem::absolute(args.work_dir).string();
  char host[256] = {0};
  gethostname(host, sizeof host - 1);
  o.name = args.name.empty() ? std::string(host) : args.name;
  o.version = "0.1.0";
  o.log = [](const std::string& text) { std::cerr << "sluice agent: " << text << std::endl; };
  o.remove_tree_fallback = [engine = args.container_engine](const std::string& dir) {
    return exec::container::remove_tree_in_user_namespace(dir, engine);
  };
  auto channel_check = agent::open_http_channel(o.server);
  if (!channel_check.ok()) {
    std::cerr << "error: --server: " << channel_check.error().message << "\n";
    return kExitInvalid;
  }

  clean_up_after_a_killed_agent(o.work_dir, args.container_engine);
  exec::LocalProcessExecutor::Options eo;
  eo.orphan_reaper = true;  // a SIGKILLed agent leaves no step process behind
  exec::LocalProcessExecutor processes(eo);
  // Container jobs, services and Docker actions as `sluice run` runs them. The work dir
  // names the agent's containers (their sluice.data label), apart from other agents' and
  // the controller's.
  exec::container::ContainerExecutor executor(
      processes, {args.container_engine, o.work_dir, exec::process_environment()});
  std::string server = o.server;
  agent::Agent agent(
      std::move(o), [server] { return agent::open_http_channel(server); }, executor);
  executor.set_job_container_hooks(
      {[&agent](const std::string& scope, const std::string& netns) {
         agent.containers_started(scope, netns);
       },
       [&agent](const std::string& scope) { agent.containers_removed(scope); }});
  install_interrupt_handlers();
  std::atomic<bool> stop{false};
  std::thread watcher([&] {
    while (!stop && interrupt_count().load() == 0)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    stop = true;
  });
  int rc = agent.run(stop);
  executor.set_job_container_hooks({});  // the agent goes first
  stop = true;
  watcher.join();
  return rc == 0 ? kExitOk : kExitInvalid;
}

}  // namespace

void add_agent_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<AgentArgs>();
  auto* cmd = app.add_subcommand("agent", "Run jobs for a sluice controller (a remote agent)");
  cmd->add_option("--server", args->server, "The controller, http://host:port ($SLUICE_SERVER)");
  cmd->add_option("--token", args->token, "A token of role agent ($SLUICE_TOKEN)");
  cmd->add_option("--labels", args->labels,
                  "Labels besides self-hosted, linux and the architecture: a,b");
  cmd->add_option("--executors", args->executors, "Jobs to run at once (default 1)");
  cmd->add_option("--work-dir", args->work_dir,
                  "Where jobs get their workspace (default: a new temp directory)");
  cmd->add_option("--name", args->name, "The agent's name (default: the host name)");
  cmd->add_option("--runtime-address", args->runtime_address,
                  "The loopback address its jobs reach the cache, artifact and OIDC services on "
                  "(default 127.0.0.1)");
  cmd->add_option("--container-engine", args->container_engine,
                  "podman, docker or a path, for jobs with containers (default: podman if "
                  "installed, else docker)")
      ->envname("SLUICE_CONTAINER_ENGINE");
  cmd->callback([args, &exit_code] { exit_code = run_agent(*args); });
}

}  // namespace sluice::cli
