#include "cli/runtime_services.h"

#include <fstream>
#include <iostream>
#include <mutex>

namespace sluice::cli {

namespace fs = std::filesystem;

namespace {

// The toolkit accepts only these hosts as "not GHES" (docs/runner-protocol.md).
bool toolkit_accepts_server(const std::string& url) {
  size_t start = url.find("://");
  std::string host = url.substr(start == std::string::npos ? 0 : start + 3);
  host = host.substr(0, host.find_first_of(":/"));
  auto ends_with = [&](const std::string& suffix) {
    return host.size() > suffix.size() &&
           host.compare(host.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  return host == "github.com" || ends_with(".ghe.com") || ends_with(".localhost");
}

}  // namespace

std::string default_branch_ref(const std::string& repo_dir, const Value& event) {
  std::ifstream head(fs::path(repo_dir) / ".git" / "refs" / "remotes" / "origin" / "HEAD");
  std::string line;
  const std::string prefix = "ref: refs/remotes/origin/";
  if (head && std::getline(head, line) && line.rfind(prefix, 0) == 0 && line.size() > prefix.size())
    return "refs/heads/" + line.substr(prefix.size());
  std::string branch = event.get("repository").get("default_branch").to_string();
  return "refs/heads/" + (branch.empty() ? std::string("main") : branch);
}

std::unique_ptr<runtime::RuntimeServer> start_runtime_services(
    const fs::path& data_dir, const std::string& repo_dir, engine::RunOptions& options,
    std::shared_ptr<SecretMasker> masker) {
  auto server =
      std::make_unique<runtime::RuntimeServer>(data_dir.string(), runtime::RuntimeKeys::random());
  if (Status s = server->listen(); !s.ok()) {
    std::cerr << "sluice run: warning: the cache and artifact services are unavailable: "
              << s.error().message << "\n";
    return nullptr;
  }
  std::string ref = options.github.get("ref").to_string();
  std::string default_ref = default_branch_ref(repo_dir, options.github.get("event"));
  auto base = options.base_env;
  std::string no_proxy = base.count("NO_PROXY") ? base["NO_PROXY"] : base["no_proxy"];
  bool replace_server = !toolkit_accepts_server(options.github.get("server_url").to_string());
  // One token per job (tokens carry their issue time, so a new one per step would only
  // grow the masker).
  auto cache = std::make_shared<std::map<std::pair<int64_t, std::string>, std::string>>();
  auto mutex = std::make_shared<std::mutex>();
  runtime::RuntimeServer* services = server.get();
  options.job_env = [=](int64_t run_id, const std::string& job_key) {
    std::map<std::string, std::string> env;
    {
      std::lock_guard lock(*mutex);
      std::string& token = (*cache)[{run_id, job_key}];
      if (token.empty()) {
        token = services->token_for(run_id, job_key, ref, default_ref);
        masker->add(token);
      }
      env = services->job_env(token, no_proxy);
    }
    if (replace_server) env["GITHUB_SERVER_URL"] = "http://github.localhost";
    return env;
  };
  return server;
}

}  // namespace sluice::cli
