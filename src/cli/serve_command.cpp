// `sluice serve`: the controller (server/serve.h). Flags here; a config file
// (docs/server-config.md) holds what flags cannot say (secrets, tokens, branches).
#include <CLI/CLI.hpp>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "cli/cli.h"
#include "cli/commands.h"
#include "core/diagnostic.h"
#include "server/serve.h"
#include "server/server_config.h"

namespace sluice::cli {
namespace {

namespace fs = std::filesystem;

struct ServeArgs {
  std::string config;
  std::string listen = "127.0.0.1:8080";
  std::string public_url;
  std::string data_dir = ".sluice-server";
  std::vector<std::string> projects;
  int executors = 0;
  int grace_seconds = 30;
  bool demo = false;
};

// The bundled examples/: beside the source tree the binary was built in (build/sluice →
// examples/), else in the current directory.
fs::path examples_dir() {
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  for (const fs::path& candidate : {exe.parent_path().parent_path() / "examples",
                                    exe.parent_path() / "examples", fs::path("examples")})
    if (fs::is_directory(candidate, ec)) return fs::absolute(candidate).lexically_normal();
  return {};
}

// --demo: every example project with workflows is registered; once the controller
// listens, the ETL example's workflow is dispatched and the UI URL and login token printed.
bool add_demo_projects(server::ServeOptions& options) {
  fs::path examples = examples_dir();
  if (examples.empty()) {
    std::cerr << "sluice serve: --demo: no examples/ directory found\n";
    return false;
  }
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(examples, ec)) {
    if (!fs::is_directory(entry.path() / ".github" / "workflows", ec)) continue;
    server::ProjectConfig project;
    project.name = entry.path().filename().string();
    project.repository = entry.path().string();
    options.controller.projects.push_back(std::move(project));
  }
  options.ready = [](const std::string& url, const std::string& token,
                     server::Controller& controller) {
    std::string project = controller.project("etl") ? "etl" : controller.projects().front().name;
    auto workflows = controller.workflows(project);
    std::string file;
    if (workflows)
      for (const auto& w : *workflows)
        if (w.dispatchable && file.empty()) file = w.file;
    auto runs = controller.dispatch(project, file, "", {});
    if (runs && !runs->empty())
      std::cout << "sluice serve: demo: dispatched run " << runs->front() << " of " << project
                << "/" << file << "\n";
    else
      std::cout << "sluice serve: demo: could not dispatch " << project << ": "
                << (runs ? "no run" : runs.error().message) << "\n";
    std::cout << "\n  web UI:       " << url << "/\n  login token:  " << token
              << "\n  API:          curl -H 'Authorization: Bearer " << token << "' " << url
              << "/api/v1/runs\n\n  Ctrl-C stops the controller.\n"
              << std::flush;
  };
  return true;
}

bool given(const CLI::App* cmd, const char* flag) {
  return cmd->count(flag) > 0;
}

int serve(const ServeArgs& args, const CLI::App* cmd) {
  server::ServeOptions options;
  server::ServerConfig config;
  if (!args.config.empty()) {
    Diagnostics diagnostics;
    auto loaded = server::load_server_config(args.config, diagnostics);
    std::cerr << diagnostics.format();
    if (!loaded) return kExitInvalid;
    config = std::move(*loaded);
  }
  // Flags win over the config file.
  std::string listen = given(cmd, "--listen") || !config.listen ? args.listen : *config.listen;
  if (!server::split_listen_address(listen, options.listen_address, options.listen_port)) {
    std::cerr << "sluice serve: --listen '" << listen << "' is not ADDR:PORT\n";
    return kExitInvalid;
  }
  std::string public_url =
      given(cmd, "--public-url") || !config.public_url ? args.public_url : *config.public_url;
  if (!public_url.empty()) {
    auto normalized = server::normalize_public_url(public_url);
    if (!normalized) {
      std::cerr << "sluice serve: --public-url '" << public_url << "' is not an http(s) URL\n";
      return kExitInvalid;
    }
    options.public_url = *normalized;
  }
  std::string data_dir =
      given(cmd, "--data-dir") || !config.data_dir ? args.data_dir : *config.data_dir;
  options.controller.data_dir = fs::absolute(data_dir).lexically_normal();
  options.controller.executors = args.executors > 0 ? args.executors : config.executors.value_or(2);
  options.grace = std::chrono::seconds(
      given(cmd, "--grace") || !config.grace_seconds ? args.grace_seconds : *config.grace_seconds);
  options.controller.projects = config.projects;
  options.controller.builtin_labels = config.labels;
  options.controller.label_map = config.label_map;
  // Tests shorten the agents' lease (docs/agent-protocol.md) to see a lost agent quickly.
  if (const char* ttl = std::getenv("SLUICE_AGENT_LEASE_TTL_MS"); ttl && *ttl) {
    char* end = nullptr;
    long long ms = std::strtoll(ttl, &end, 10);
    if (*end != '\0' || ms < 100 || ms > 86400000) {
      std::cerr << "sluice serve: SLUICE_AGENT_LEASE_TTL_MS='" << ttl
                << "' is not a number of ms from 100 to 86400000\n";
      return kExitInvalid;
    }
    options.controller.agent_lease_ttl_ms = ms;
  }
  if (args.demo && !add_demo_projects(options)) return kExitInvalid;
  options.tokens = config.tokens;
  for (const std::string& p : args.projects) {
    size_t eq = p.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == p.size()) {
      std::cerr << "sluice serve: --project '" << p << "' is not NAME=PATH_OR_URL\n";
      return kExitInvalid;
    }
    server::ProjectConfig project;
    project.name = p.substr(0, eq);
    project.repository = p.substr(eq + 1);
    if (project.repository.find("://") == std::string::npos)
      project.repository = fs::absolute(project.repository).lexically_normal().string();
    for (const auto& existing : options.controller.projects)
      if (existing.name == project.name) {
        std::cerr << "sluice serve: project '" << project.name << "' is given twice\n";
        return kExitInvalid;
      }
    options.controller.projects.push_back(std::move(project));
  }
  return server::serve(options, std::cout, std::cerr);
}

}  // namespace

void add_serve_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<ServeArgs>();
  auto* cmd =
      app.add_subcommand("serve", "Run the controller: API, web UI, triggers and a built-in agent");
  cmd->add_option("--config", args->config, "Server config file (docs/server-config.md)");
  cmd->add_option("--listen", args->listen, "Address and port to listen on")->capture_default_str();
  cmd->add_option("--public-url", args->public_url,
                  "URL clients and clouds reach the controller at (default: the listen address); "
                  "the issuer of the jobs' OIDC tokens");
  cmd->add_option("--data-dir", args->data_dir, "Where the controller keeps its state")
      ->capture_default_str();
  cmd->add_option("--project", args->projects, "Register a project: NAME=PATH_OR_URL (repeatable)");
  cmd->add_option("--executors", args->executors,
                  "Jobs the built-in agent runs at once (default 2)")
      ->check(CLI::Range(1, 256));
  cmd->add_option("--grace", args->grace_seconds,
                  "On SIGTERM, seconds runs may go on before they are cancelled")
      ->capture_default_str()
      ->check(CLI::Range(0, 86400));
  cmd->add_flag("--demo", args->demo,
                "Register the bundled examples/, dispatch the example workflow once and print "
                "the UI URL and login token");
  cmd->callback([args, cmd, &exit_code] { exit_code = serve(*args, cmd); });
}

}  // namespace sluice::cli
