#include "deploy/appspec.h"

#include <filesystem>

#include "deploy/yaml_fields.h"

namespace fs = std::filesystem;

namespace sluice::deploy {

namespace {

constexpr std::string_view kTopKeys[] = {"version", "os", "files", "permissions", "hooks"};
constexpr std::string_view kScriptKeys[] = {"location", "timeout", "runas"};
constexpr int kMaxEventSeconds = 3600;

void read_event(YamlFields& y, const YAML::Node& key, const YAML::Node& list, const fs::path& base,
                HookMap& hooks) {
  std::string name = key.Scalar();
  auto event = parse_lifecycle_event(name);
  if (!event) {
    std::vector<std::string> names = lifecycle_event_names();
    std::vector<std::string_view> views(names.begin(), names.end());
    y.unknown_key(key, "hooks", views);
    return;
  }
  if (list.IsNull()) return;  // an event listed without scripts: a no-op, as in CodeDeploy
  if (!list.IsSequence()) {
    y.error(list, "hooks." + name + " must be a list of scripts",
            "write `- location: scripts/" + name + ".sh`");
    return;
  }
  int total_seconds = 0;
  for (const YAML::Node& entry : list) {
    if (!entry.IsMap()) {
      y.error(entry, "each script of hooks." + name + " must be a mapping with `location`",
              "write `- location: scripts/run.sh`");
      continue;
    }
    HookScript script;
    script.is_file = true;
    script.pos = y.pos(entry);
    int seconds = kMaxEventSeconds;
    bool has_location = false;
    for (const auto& kv : entry) {
      std::string k = kv.first.IsScalar() ? kv.first.Scalar() : "";
      if (k == "location") {
        auto t = y.text(kv.second, "location");
        if (!t) continue;
        has_location = true;
        fs::path p = fs::path(*t).is_absolute() ? fs::path(*t) : base / *t;
        std::error_code ec;
        if (!fs::is_regular_file(p, ec))
          y.error(kv.second, "script '" + *t + "' does not exist (looked for " + p.string() + ")",
                  "locations are relative to the directory of appspec.yml");
        script.command = p.lexically_normal().string();
      } else if (k == "timeout") {
        if (auto n = y.integer(kv.second, "timeout", 1, kMaxEventSeconds)) seconds = *n;
      } else if (k == "runas") {
        if (auto t = y.text(kv.second, "runas")) script.runas = *t;
      } else {
        y.unknown_key(kv.first, "a hook script", kScriptKeys);
      }
    }
    if (!has_location)
      y.error(entry, "a script of hooks." + name + " has no `location`",
              "add `location: scripts/" + name + ".sh`");
    total_seconds += seconds;
    script.timeout = std::chrono::seconds(seconds);
    hooks[*event].push_back(script);
  }
  // CodeDeploy: the timeouts of one event's scripts share the event's 3600 s.
  if (total_seconds > kMaxEventSeconds && list.size() > 1)
    y.error(list,
            "the timeouts of hooks." + name + " add up to " + std::to_string(total_seconds) +
                " s, more than CodeDeploy's " + std::to_string(kMaxEventSeconds) +
                " s per lifecycle event",
            "give each script a `timeout:` so that they add up to 3600 or less");
}

}  // namespace

HookMap read_appspec(const std::string& path, std::string_view source, Diagnostics& diagnostics) {
  HookMap hooks;
  YamlFields y(path, source, diagnostics);
  auto root = y.parse();
  if (!root) return hooks;
  if (!root->IsMap()) {
    y.error(*root, "an appspec must be a mapping", "start with `version: 0.0` and `hooks:`");
    return hooks;
  }
  fs::path base = fs::absolute(fs::path(path)).parent_path();
  bool has_version = false;
  for (const auto& kv : *root) {
    std::string k = kv.first.IsScalar() ? kv.first.Scalar() : "";
    if (k == "version") {
      has_version = true;
      auto t = y.text(kv.second, "version");
      if (t && *t != "0.0")
        y.error(kv.second, "version must be 0.0 (the only appspec version CodeDeploy knows)");
    } else if (k == "os") {
      auto t = y.text(kv.second, "os");
      if (t && *t != "linux")
        y.error(kv.second, "os: '" + *t + "' is not supported", "sluice runs hooks on linux");
    } else if (k == "hooks") {
      if (kv.second.IsNull()) continue;
      if (!kv.second.IsMap()) {
        y.error(kv.second, "hooks must map lifecycle events to scripts",
                "write `hooks:` then `  BeforeInstall:` then `    - location: ...`");
        continue;
      }
      for (const auto& event : kv.second) read_event(y, event.first, event.second, base, hooks);
    } else if (k != "files" && k != "permissions") {
      y.unknown_key(kv.first, "appspec", kTopKeys);
    }
  }
  if (!has_version) y.error(*root, "the appspec has no `version`", "add `version: 0.0`");
  return hooks;
}

}  // namespace sluice::deploy
