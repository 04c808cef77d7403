#include "server/server_config.h"

#include <array>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/names.h"
#include "spec/yaml_reader.h"

namespace sluice::server {

namespace fs = std::filesystem;
using spec::detail::YamlReader;

namespace {

constexpr std::array<std::string_view, 10> kTopKeys = {
    "listen", "public-url", "data-dir", "executors", "grace",
    "labels", "label-map",  "projects", "tokens",    "version"};
constexpr std::array<std::string_view, 9> kProjectKeys = {
    "name",    "repository", "branches",       "poll-interval", "workflow-dir",
    "secrets", "vars",       "webhook-secret", "tags"};
constexpr std::array<std::string_view, 3> kTokenKeys = {"name", "role", "sha256"};
constexpr std::array<std::string_view, 2> kSecretSourceKeys = {"env", "file"};

bool valid_name(const std::string& name) {
  if (name.empty() || name.size() > 100) return false;
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.')
      return false;
  return name != "." && name != "..";
}

std::string resolve_path(const std::string& path, const std::string& config_file) {
  if (path.empty() || fs::path(path).is_absolute() || path.find("://") != std::string::npos ||
      (path.find('@') != std::string::npos && path.find(':') != std::string::npos))
    return path;
  return (fs::absolute(config_file).parent_path() / path).lexically_normal().string();
}

class ConfigParser {
 public:
  ConfigParser(std::string_view source, const std::string& file, Diagnostics& diagnostics,
               const std::map<std::string, std::string>* environment)
      : reader_(file, source, diagnostics), file_(file), environment_(environment) {}

  std::optional<ServerConfig> parse() {
    auto root = reader_.parse();
    if (!root) return std::nullopt;
    if (root->IsNull()) return config_;  // an empty file: all defaults
    if (!reader_.expect_map(*root, "the server config", "see docs/server-config.md"))
      return std::nullopt;
    for (auto& e : reader_.entries(*root, "the server config", kTopKeys)) top(e);
    check_unique_projects();
    if (reader_.diagnostics().has_errors()) return std::nullopt;
    return config_;
  }

 private:
  void error(const SourcePos& pos, std::string message, std::string hint = "") {
    reader_.diagnostics().error(pos, std::move(message), std::move(hint));
  }

  std::optional<int> integer(const YAML::Node& node, const char* what, int low, int high) {
    auto s = reader_.scalar(node, what);
    if (!s) return std::nullopt;
    char* end = nullptr;
    long v = std::strtol(s->text.c_str(), &end, 10);
    if (s->text.empty() || *end != '\0' || v < low || v > high) {
      error(s->pos, std::string("expected a whole number from ") + std::to_string(low) + " to " +
                        std::to_string(high) + " for " + what + ", got '" + s->text + "'");
      return std::nullopt;
    }
    return static_cast<int>(v);
  }

  std::optional<int> seconds(const YAML::Node& node, const char* what, int low, int high) {
    auto s = reader_.scalar(node, what);
    if (!s) return std::nullopt;
    auto v = spec::detail::parse_duration_seconds(s->text);
    if (!v || *v < low || *v > high) {
      error(s->pos,
            std::string("expected a duration (30, 30s, 5m, 1h) for ") + what + ", got '" + s->text +
                "'",
            "durations from " + std::to_string(low) + "s to " + std::to_string(high) + "s");
      return std::nullopt;
    }
    return static_cast<int>(*v);
  }

  std::vector<std::string> strings(const YAML::Node& node, const char* what) {
    std::vector<std::string> out;
    for (const auto& s : reader_.string_or_list(node, what)) out.push_back(s.text);
    return out;
  }

  void top(YamlReader::Entry& e) {
    if (e.key == "version") {
      if (auto v = integer(e.value, "version", 1, 1); !v)
        error(reader_.pos(e.value), "this sluice reads config version 1");
    } else if (e.key == "listen") {
      if (auto s = reader_.string(e.value, "listen")) {
        std::string address;
        uint16_t port = 0;
        if (!split_listen_address(*s, address, port))
          error(reader_.pos(e.value), "listen '" + *s + "' is not ADDR:PORT",
                "e.g. 127.0.0.1:8080, 0.0.0.0:80 or [::1]:8080");
        else
          config_.listen = *s;
      }
    } else if (e.key == "public-url") {
      if (auto s = reader_.string(e.value, "public-url")) {
        if (auto url = normalize_public_url(*s))
          config_.public_url = *url;
        else
          error(reader_.pos(e.value), "public-url '" + *s + "' is not an http(s) URL",
                "e.g. https://ci.example.com (the issuer of the jobs' OIDC tokens)");
      }
    } else if (e.key == "data-dir") {
      if (auto s = reader_.string(e.value, "data-dir")) config_.data_dir = resolve_path(*s, file_);
    } else if (e.key == "executors") {
      config_.executors = integer(e.value, "executors", 1, 256);
    } else if (e.key == "grace") {
      config_.grace_seconds = seconds(e.value, "grace", 0, 86400);
    } else if (e.key == "labels") {
      config_.labels = strings(e.value, "labels");
    } else if (e.key == "label-map") {
      if (!reader_.expect_map(e.value, "label-map", "runs-on name (glob): agent label")) return;
      for (auto& m : reader_.entries(e.value, "label-map", {}))
        if (auto label = reader_.string(m.value, "a label"))
          config_.label_map.emplace_back(m.key, *label);
    } else if (e.key == "projects") {
      if (!reader_.expect_seq(e.value, "projects", "a list of {name, repository, ...}")) return;
      for (const auto& item : e.value) project(item);
    } else if (e.key == "tokens") {
      if (!reader_.expect_seq(e.value, "tokens", "a list of {name, role, sha256}")) return;
      for (const auto& item : e.value) token(item);
    }
  }

  void project(const YAML::Node& node) {
    if (!reader_.expect_map(node, "a project", "{name: app, repository: PATH_OR_URL}")) return;
    ProjectConfig p;
    bool has_repository = false;
    for (auto& e : reader_.entries(node, "a project", kProjectKeys)) {
      if (e.key == "name") {
        auto s = reader_.string(e.value, "name");
        if (s && !valid_name(*s))
          error(reader_.pos(e.value), "project name '" + *s + "' is not a plain name",
                "use letters, digits, '-', '_' and '.'");
        else if (s)
          p.name = *s;
        name_pos_[p.name] = reader_.pos(e.value);
      } else if (e.key == "repository") {
        if (auto s = reader_.string(e.value, "repository")) {
          p.repository = resolve_path(*s, file_);
          has_repository = !s->empty();
        }
      } else if (e.key == "branches") {
        p.branches = strings(e.value, "branches");
      } else if (e.key == "poll-interval") {
        // 0 turns polling off (webhooks only); docs/triggers.md.
        if (auto v = seconds(e.value, "poll-interval", 0, 86400)) p.poll_interval_seconds = *v;
      } else if (e.key == "webhook-secret") {
        if (e.value.IsMap()) {
          if (auto v = secret_source(e)) p.webhook_secret = *v;
        } else if (auto v = reader_.string(e.value, "webhook-secret")) {
          p.webhook_secret = *v;
        }
      } else if (e.key == "tags") {
        if (auto v = reader_.boolean(e.value, "tags")) p.tags = *v;
      } else if (e.key == "workflow-dir") {
        if (auto s = reader_.string(e.value, "workflow-dir")) p.workflow_dir = *s;
      } else if (e.key == "secrets") {
        values(e.value, "secrets", p.secrets, true);
      } else if (e.key == "vars") {
        values(e.value, "vars", p.vars, false);
      }
    }
    if (p.name.empty()) error(reader_.pos(node), "a project needs a name", "add name: app");
    if (!has_repository)
      error(reader_.pos(node), "project '" + p.name + "' needs a repository",
            "a local path or a git URL");
    if (!p.name.empty() && has_repository) config_.projects.push_back(std::move(p));
  }

  void values(const YAML::Node& node, const char* what, std::map<std::string, std::string>& out,
              bool secret) {
    if (!reader_.expect_map(node, what, "NAME: value")) return;
    for (auto& e : reader_.entries(node, what, {})) {
      if (!is_variable_name(e.key)) {
        error(e.key_pos,
              std::string(secret ? "secret" : "variable") + " name '" + e.key + "' is not valid",
              "use letters, digits and '_', not starting with a digit");
        continue;
      }
      if (secret && e.value.IsMap()) {
        if (auto v = secret_source(e)) out[e.key] = *v;
      } else if (auto v = reader_.string(e.value, what)) {
        out[e.key] = *v;
      }
    }
  }

  // {env: VAR} or {file: PATH}. The value itself never appears in a message.
  std::optional<std::string> secret_source(YamlReader::Entry& secret) {
    auto entries = reader_.entries(secret.value, "a secret", kSecretSourceKeys);
    if (entries.size() != 1) {
      error(reader_.pos(secret.value),
            "secret '" + secret.key + "' needs exactly one of env, file");
      return std::nullopt;
    }
    auto& e = entries.front();
    auto name = reader_.string(e.value, e.key.c_str());
    if (!name) return std::nullopt;
    if (e.key == "env") {
      std::optional<std::string> value;
      if (environment_) {
        auto it = environment_->find(*name);
        if (it != environment_->end()) value = it->second;
      } else if (const char* v = std::getenv(name->c_str())) {
        value = v;
      }
      if (!value)
        error(reader_.pos(e.value),
              "secret '" + secret.key + "': environment variable '" + *name + "' is not set");
      return value;
    }
    std::ifstream in(resolve_path(*name, file_), std::ios::binary);
    if (!in) {
      error(reader_.pos(e.value), "secret '" + secret.key + "': cannot read file '" + *name + "'");
      return std::nullopt;
    }
    std::stringstream text;
    text << in.rdbuf();
    std::string value = text.str();
    while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.pop_back();
    return value;
  }

  void token(const YAML::Node& node) {
    if (!reader_.expect_map(node, "a token", "{name: ci, role: operate, sha256: HEX}")) return;
    ConfiguredToken t;
    bool has_role = false;
    for (auto& e : reader_.entries(node, "a token", kTokenKeys)) {
      if (e.key == "name") {
        if (auto s = reader_.string(e.value, "name")) t.name = *s;
      } else if (e.key == "role") {
        auto s = reader_.string(e.value, "role");
        auto role = s ? role_from_string(*s) : std::nullopt;
        if (s && !role)
          error(reader_.pos(e.value),
                "role '" + *s + "' is not one of read, operate, admin, agent");
        if (role) {
          t.role = *role;
          has_role = true;
        }
      } else if (e.key == "sha256") {
        auto s = reader_.string(e.value, "sha256");
        bool hex =
            s && s->size() == 64 && s->find_first_not_of("0123456789abcdef") == std::string::npos;
        if (s && !hex)
          error(reader_.pos(e.value), "sha256 must be 64 lowercase hex digits",
                "printf %s \"$TOKEN\" | sha256sum");
        else if (s)
          t.sha256 = *s;
      }
    }
    if (!has_role)
      error(reader_.pos(node), "a token needs a role", "read, operate, admin or agent");
    if (t.sha256.empty()) error(reader_.pos(node), "a token needs its sha256");
    if (has_role && !t.sha256.empty()) config_.tokens.push_back(std::move(t));
  }

  void check_unique_projects() {
    std::map<std::string, int> seen;
    for (const auto& p : config_.projects)
      if (++seen[p.name] == 2)
        error(name_pos_[p.name], "project '" + p.name + "' is defined twice");
  }

  YamlReader reader_;
  std::string file_;
  const std::map<std::string, std::string>* environment_;
  ServerConfig config_;
  std::map<std::string, SourcePos> name_pos_;
};

}  // namespace

bool split_listen_address(const std::string& text, std::string& address, uint16_t& port) {
  size_t colon = text.rfind(':');
  if (colon == std::string::npos) return false;
  address = text.substr(0, colon);
  if (address.size() >= 2 && address.front() == '[' && address.back() == ']')
    address = address.substr(1, address.size() - 2);
  else if (address.find(':') != std::string::npos)
    return false;  // an IPv6 address needs brackets
  if (address.empty()) address = "127.0.0.1";
  std::string digits = text.substr(colon + 1);
  if (digits.empty() || digits.size() > 5 ||
      digits.find_first_not_of("0123456789") != std::string::npos)
    return false;
  int value = std::stoi(digits);
  if (value > 65535) return false;
  port = static_cast<uint16_t>(value);
  return true;
}

std::optional<ServerConfig> parse_server_config(
    std::string_view source, const std::string& file, Diagnostics& diagnostics,
    const std::map<std::string, std::string>* environment) {
  return ConfigParser(source, file, diagnostics, environment).parse();
}

std::optional<ServerConfig> load_server_config(const std::string& path, Diagnostics& diagnostics) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    diagnostics.error({path, 0, 0}, "cannot read the server config", "check the --config path");
    return std::nullopt;
  }
  std::stringstream text;
  text << in.rdbuf();
  std::string source = text.str();
  if (source.size() > (1 << 20)) {
    diagnostics.error({path, 0, 0}, "the server config is larger than 1 MiB");
    return std::nullopt;
  }
  return parse_server_config(source, path, diagnostics);
}

std::optional<std::string> normalize_public_url(std::string text) {
  while (!text.empty() && text.back() == '/') text.pop_back();
  size_t scheme = text.rfind("https://", 0) == 0 ? 8 : text.rfind("http://", 0) == 0 ? 7 : 0;
  if (scheme == 0 || text.size() == scheme) return std::nullopt;
  if (text.find_first_of("?# \t\r\n", scheme) != std::string::npos) return std::nullopt;
  if (text[scheme] == '/' || text[scheme] == ':') return std::nullopt;  // no host
  return text;
}

}  // namespace sluice::server
