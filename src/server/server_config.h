// The controller's config file (docs/server-config.md): YAML read with the workflow
// loader's reader, so every problem is reported at once with file:line:col and a hint.
//
//   listen: 127.0.0.1:8080
//   public-url: https://ci.example.com   # how jobs and clouds reach it (OIDC issuer)
//   data-dir: /var/lib/sluice
//   executors: 4
//   grace: 30s
//   labels: [gpu]                 # extra labels of the built-in agent
//   label-map: {ubuntu-*: linux}  # runs-on names → agent labels
//   projects:
//     - name: app
//       repository: https://git.example.com/app.git   # or a local path
//       branches: [main]
//       poll-interval: 60s
//       workflow-dir: .github/workflows
//       secrets: {DEPLOY_KEY: {env: APP_DEPLOY_KEY}}   # or {file: PATH}, or a literal
//       vars: {REGION: eu-west-1}
//   tokens:
//     - {name: ci-bot, role: operate, sha256: <hex of the token's SHA-256>}
//
// Relative paths (data-dir, a local repository, a secret's file) are relative to the
// config file's directory.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/diagnostic.h"
#include "server/controller.h"
#include "server/roles.h"

namespace sluice::server {

struct ConfiguredToken {
  std::string name;
  Role role = Role::kRead;
  std::string sha256;  // lowercase hex
};

struct ServerConfig {
  std::optional<std::string> listen;      // "ADDR:PORT"
  std::optional<std::string> public_url;  // normalize_public_url()
  std::optional<std::string> data_dir;
  std::optional<int> executors;
  std::optional<int> grace_seconds;
  std::vector<std::string> labels;
  std::vector<std::pair<std::string, std::string>> label_map;  // glob → label, in order
  std::vector<ProjectConfig> projects;
  std::vector<ConfiguredToken> tokens;
};

// Parses `source` (the file `file`). Secrets given as {env: VAR} are read from
// `environment` (the process's when null); {file: PATH} from disk. Errors and warnings go
// to `diagnostics`; the result is nullopt when there is an error.
std::optional<ServerConfig> parse_server_config(
    std::string_view source, const std::string& file, Diagnostics& diagnostics,
    const std::map<std::string, std::string>* environment = nullptr);

// Reads and parses `path`.
std::optional<ServerConfig> load_server_config(const std::string& path, Diagnostics& diagnostics);

// `text` as the controller's public URL: http:// or https://, a host, no query or fragment,
// without a trailing slash; nullopt when it is not such a URL.
std::optional<std::string> normalize_public_url(std::string text);

// "ADDR:PORT", "[v6]:PORT" or ":PORT" → address and port; false when malformed.
bool split_listen_address(const std::string& text, std::string& address, uint16_t& port);

}  // namespace sluice::server
