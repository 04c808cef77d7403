#include "deploy/environments.h"

#include <array>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/glob.h"
#include "core/names.h"
#include "spec/yaml_reader.h"

namespace sluice::deploy {

namespace fs = std::filesystem;
using spec::detail::YamlReader;

namespace {

constexpr std::array<std::string_view, 4> kTopKeys = {"environments", "health-gates",
                                                      "reviewer-groups", "notifications"};
constexpr std::array<std::string_view, 15> kEnvironmentKeys = {
    "reviewers",    "required-approvals", "prevent-self-review", "wait-timer",  "branches",
    "tags",         "health-gates",       "concurrency",         "url",         "vars",
    "secrets-file", "approval-timeout",   "notifications",       "description", "secrets"};
// The inputs of the `sluice/health-gate@v1` step (actions/health_gate_action.h).
constexpr std::array<std::string_view, 18> kGateKeys = {
    "source",   "url",      "query",      "condition",  "threshold",       "command",
    "endpoint", "region",   "services",   "categories", "statuses",        "event-types",
    "ignore",   "interval", "stable-for", "timeout",    "on-source-error", "on-timeout"};
constexpr std::array<std::string_view, 9> kNotificationKeys = {
    "name",   "url",       "url-secret",   "format",      "on",
    "secret", "workflows", "environments", "max-attempts"};
constexpr std::array<std::pair<NotificationEvent, const char*>, 5> kEventNames = {{
    {NotificationEvent::kFailure, "failure"},
    {NotificationEvent::kRecovery, "recovery"},
    {NotificationEvent::kApproval, "approval"},
    {NotificationEvent::kRollback, "rollback"},
    {NotificationEvent::kSuccess, "success"},
}};

bool valid_name(const std::string& name) {
  if (name.empty() || name.size() > 255) return false;
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.' &&
        c != ' ' && c != '/')
      return false;
  return true;
}

std::string resolve_path(const std::string& path, const std::string& file) {
  if (path.empty() || fs::path(path).is_absolute()) return path;
  return (fs::absolute(file).parent_path() / path).lexically_normal().string();
}

class EnvironmentsParser {
 public:
  EnvironmentsParser(std::string_view source, const std::string& file, Diagnostics& diagnostics)
      : reader_(file, source, diagnostics), file_(file) {
    result_.path = file;
  }

  std::optional<EnvironmentsFile> parse() {
    auto root = reader_.parse();
    if (!root) return std::nullopt;
    if (root->IsNull()) return result_;  // an empty file: no environment is protected
    if (!reader_.expect_map(*root, "the environments file", "see docs/environments.md"))
      return std::nullopt;
    // Gates and groups first: environments refer to them by name.
    auto entries = reader_.entries(*root, "the environments file", kTopKeys);
    for (auto& e : entries)
      if (e.key == "health-gates") gates(e.value);
    for (auto& e : entries)
      if (e.key == "reviewer-groups") groups(e.value);
    for (auto& e : entries) {
      if (e.key == "environments") {
        if (!reader_.expect_map(e.value, "environments", "NAME: {reviewers: [...], ...}")) continue;
        for (auto& env : reader_.entries(e.value, "environments", {})) environment(env);
      } else if (e.key == "notifications") {
        notifications(e.value, result_.notifications);
      }
    }
    if (reader_.diagnostics().has_errors()) return std::nullopt;
    return std::move(result_);
  }

 private:
  void error(const SourcePos& pos, std::string message, std::string hint = "") {
    reader_.diagnostics().error(pos, std::move(message), std::move(hint));
  }

  std::optional<int> integer(const YAML::Node& node, const std::string& what, int low, int high) {
    auto s = reader_.scalar(node, what);
    if (!s) return std::nullopt;
    char* end = nullptr;
    errno = 0;
    long v = std::strtol(s->text.c_str(), &end, 10);
    if (s->text.empty() || *end != '\0' || errno != 0 || v < low || v > high) {
      error(s->pos, "expected a whole number from " + std::to_string(low) + " to " +
                        std::to_string(high) + " for " + what + ", got '" + s->text + "'");
      return std::nullopt;
    }
    return static_cast<int>(v);
  }

  // A duration: a bare number counts `bare_unit_ms` (minutes for wait-timer, as on GitHub),
  // or a number with ms, s, m, h or d.
  std::optional<int64_t> duration_ms(const YAML::Node& node, const std::string& what,
                                     int64_t bare_unit_ms, int64_t max_ms) {
    auto s = reader_.scalar(node, what);
    if (!s) return std::nullopt;
    std::string text = s->text;
    std::optional<double> ms;
    char* end = nullptr;
    double bare = std::strtod(text.c_str(), &end);
    if (!text.empty() && *end == '\0' && std::isfinite(bare) && bare >= 0) {
      ms = bare * static_cast<double>(bare_unit_ms);
    } else if (text.size() > 1 && text.back() == 'd') {
      auto days = spec::detail::parse_duration_seconds(text.substr(0, text.size() - 1));
      if (days) ms = *days * 86400'000.0;
    } else if (auto seconds = spec::detail::parse_duration_seconds(text)) {
      ms = *seconds * 1000.0;
    }
    if (!ms || *ms > static_cast<double>(max_ms)) {
      error(s->pos, "expected a duration for " + what + ", got '" + text + "'",
            "e.g. 5 (" + std::string(bare_unit_ms == 60'000 ? "minutes" : "seconds") +
                "), 30s, 10m, 2h or 7d; at most " + std::to_string(max_ms / 86400'000) + " days");
      return std::nullopt;
    }
    return static_cast<int64_t>(std::llround(*ms));
  }

  std::vector<std::string> strings(const YAML::Node& node, const std::string& what) {
    std::vector<std::string> out;
    for (const auto& s : reader_.string_or_list(node, what)) {
      if (s.text.empty())
        error(s.pos, "an empty entry in " + what);
      else
        out.push_back(s.text);
    }
    return out;
  }

  void gates(const YAML::Node& node) {
    if (!reader_.expect_map(node, "health-gates", "NAME: {source: statuspage, url: ...}")) return;
    for (auto& e : reader_.entries(node, "health-gates", {})) {
      const std::string where = "health gate '" + e.key + "'";
      if (!valid_name(e.key)) {
        error(e.key_pos, "health gate name '" + e.key + "' is not a plain name",
              "use letters, digits, '-', '_' and '.'");
        continue;
      }
      if (!reader_.expect_map(e.value, where, "the keys of the sluice/health-gate@v1 step"))
        continue;
      HealthGateSpec gate{e.key, {}, e.key_pos};
      for (auto& k : reader_.entries(e.value, where, kGateKeys)) {
        // Lists (region, services, ...) may be written as YAML sequences.
        std::string joined;
        for (const auto& s : reader_.string_or_list(k.value, "'" + k.key + "' in " + where))
          joined += (joined.empty() ? "" : ",") + s.text;
        gate.inputs[k.key] = joined;
      }
      if (gate.inputs["source"].empty())
        error(e.key_pos, where + " has no source",
              "add `source: aws-health` (or statuspage, http, prometheus, command)");
      result_.health_gates[e.key] = std::move(gate);
    }
  }

  void groups(const YAML::Node& node) {
    if (!reader_.expect_map(node, "reviewer-groups", "NAME: [user, ...]")) return;
    for (auto& e : reader_.entries(node, "reviewer-groups", {}))
      result_.reviewer_groups[e.key] = strings(e.value, "reviewer group '" + e.key + "'");
  }

  void environment(YamlReader::Entry& entry) {
    const std::string where = "environment '" + entry.key + "'";
    if (!valid_name(entry.key)) {
      error(entry.key_pos, "environment name '" + entry.key + "' is not a plain name",
            "use letters, digits, spaces, '-', '_', '.' and '/'");
      return;
    }
    EnvironmentSpec env;
    env.name = entry.key;
    env.pos = entry.key_pos;
    if (!entry.value.IsNull()) {
      if (!reader_.expect_map(entry.value, where, "{reviewers: [...], wait-timer: 5, ...}")) return;
      std::optional<SourcePos> approvals_pos;
      for (auto& e : reader_.entries(entry.value, where, kEnvironmentKeys))
        environment_key(env, e, where, approvals_pos);
      if (env.required_approvals == 0 && !env.reviewers.empty() && !approvals_pos)
        env.required_approvals = 1;
      if (approvals_pos && env.required_approvals > 0 && env.reviewers.empty())
        error(*approvals_pos, where + " requires approvals but names no reviewers",
              "add `reviewers: [user, group]`");
    }
    result_.environments[env.name] = std::move(env);
  }

  void environment_key(EnvironmentSpec& env, YamlReader::Entry& e, const std::string& where,
                       std::optional<SourcePos>& approvals_pos) {
    const std::string what = "'" + e.key + "' in " + where;
    if (e.key == "reviewers") {
      env.reviewers = strings(e.value, what);
    } else if (e.key == "required-approvals") {
      approvals_pos = reader_.pos(e.value);
      if (auto v = integer(e.value, what, 0, 100)) env.required_approvals = *v;
    } else if (e.key == "prevent-self-review") {
      if (auto v = reader_.boolean(e.value, what)) env.prevent_self_review = *v;
    } else if (e.key == "wait-timer") {
      // GitHub's limit: 43,200 minutes (30 days).
      if (auto v = duration_ms(e.value, what, 60'000, 43'200LL * 60'000)) env.wait_timer_ms = *v;
    } else if (e.key == "approval-timeout") {
      auto v = duration_ms(e.value, what, 60'000, 365LL * 86400'000);
      if (v && *v == 0)
        error(reader_.pos(e.value), what + " must be longer than 0", "e.g. 30d (the default)");
      else if (v)
        env.approval_timeout_ms = *v;
    } else if (e.key == "branches" || e.key == "tags") {
      auto patterns = strings(e.value, what);
      (e.key == "branches" ? env.branches : env.tags) = patterns;
    } else if (e.key == "health-gates") {
      for (const auto& s : reader_.string_or_list(e.value, what)) {
        if (result_.health_gates.count(s.text) == 0)
          error(s.pos, where + " names health gate '" + s.text + "', which is not defined",
                "define it under the top-level `health-gates:`");
        else
          env.health_gates.push_back(s.text);
      }
    } else if (e.key == "concurrency") {
      if (auto v = integer(e.value, what, 0, 1000)) env.concurrency = *v;
    } else if (e.key == "url") {
      if (auto s = reader_.string(e.value, what)) env.url = *s;
    } else if (e.key == "vars") {
      if (!reader_.expect_map(e.value, what, "NAME: value")) return;
      for (auto& v : reader_.entries(e.value, what, {})) {
        if (!is_variable_name(v.key)) {
          error(v.key_pos, "variable name '" + v.key + "' is not valid",
                "use letters, digits and '_', not starting with a digit");
        } else if (auto s = reader_.string(v.value, "'" + v.key + "' in " + what)) {
          env.vars[v.key] = *s;
        }
      }
    } else if (e.key == "secrets-file") {
      if (auto s = reader_.string(e.value, what)) env.secrets_file = resolve_path(*s, file_);
    } else if (e.key == "secrets") {
      error(e.key_pos, "secret values do not belong in " + where,
            "put them in a file named by `secrets-file:` (kept out of git), or give them to "
            "the server");
    } else if (e.key == "notifications") {
      notifications(e.value, env.notifications);
    } else if (e.key == "description") {
      (void)reader_.string(e.value, what);
    }
  }

  void notifications(const YAML::Node& node, std::vector<NotificationSpec>& out) {
    if (!reader_.expect_seq(node, "notifications", "a list of {url, format, on, ...}")) return;
    for (const auto& item : node) {
      if (!reader_.expect_map(item, "a notification", "{url: http://..., on: [failure]}")) continue;
      NotificationSpec n;
      n.pos = reader_.pos(item);
      for (auto& e : reader_.entries(item, "a notification", kNotificationKeys)) {
        const std::string what = "'" + e.key + "' in a notification";
        if (e.key == "name") {
          if (auto s = reader_.string(e.value, what)) n.name = *s;
        } else if (e.key == "url") {
          auto s = reader_.string(e.value, what);
          if (s && !s->starts_with("http://"))
            error(reader_.pos(e.value), "a notification url must start with http://",
                  "sluice delivers over plain HTTP (put a TLS proxy in front for https)");
          else if (s)
            n.url = *s;
        } else if (e.key == "url-secret") {
          if (auto s = reader_.string(e.value, what)) n.url_secret = *s;
        } else if (e.key == "format") {
          auto s = reader_.string(e.value, what);
          if (s && *s == "slack")
            n.format = NotificationFormat::kSlack;
          else if (s && *s != "json")
            error(reader_.pos(e.value), "format '" + *s + "' is not json or slack");
        } else if (e.key == "on") {
          for (const auto& s : reader_.string_or_list(e.value, what)) {
            auto event = notification_event_from_string(s.text);
            if (!event)
              error(s.pos, "unknown notification event '" + s.text + "'",
                    "failure, recovery, approval, rollback or success");
            else
              n.events.push_back(*event);
          }
        } else if (e.key == "secret") {
          if (auto s = reader_.string(e.value, what)) n.secret = *s;
        } else if (e.key == "workflows") {
          n.workflows = strings(e.value, what);
        } else if (e.key == "environments") {
          n.environments = strings(e.value, what);
        } else if (e.key == "max-attempts") {
          if (auto v = integer(e.value, what, 1, 20)) n.max_attempts = *v;
        }
      }
      if (n.url.empty() == n.url_secret.empty())
        error(n.pos, "a notification needs exactly one of url, url-secret",
              "url: http://host/hook, or url-secret: NAME of a secret holding the URL");
      if (n.name.empty()) n.name = n.url.empty() ? n.url_secret : n.url;
      out.push_back(std::move(n));
    }
  }

  YamlReader reader_;
  std::string file_;
  EnvironmentsFile result_;
};

}  // namespace

const char* to_string(NotificationEvent event) {
  for (const auto& [value, name] : kEventNames)
    if (value == event) return name;
  return "unknown";
}

std::optional<NotificationEvent> notification_event_from_string(std::string_view text) {
  for (const auto& [value, name] : kEventNames)
    if (text == name) return value;
  return std::nullopt;
}

bool NotificationSpec::wants(NotificationEvent event) const {
  if (events.empty())
    return event == NotificationEvent::kFailure || event == NotificationEvent::kRecovery ||
           event == NotificationEvent::kApproval || event == NotificationEvent::kRollback;
  for (NotificationEvent e : events)
    if (e == event) return true;
  return false;
}

bool EnvironmentSpec::allows_ref(const std::string& ref) const {
  if (branches.empty() && tags.empty()) return true;
  constexpr std::string_view kHeads = "refs/heads/";
  constexpr std::string_view kTags = "refs/tags/";
  // A `branches:` entry that spells a full ref (refs/tags/v*) matches the ref itself.
  for (const std::string& pattern : branches)
    if (pattern.starts_with("refs/") && glob_match(pattern, ref)) return true;
  if (ref.starts_with(kHeads)) {
    std::vector<std::string> plain;
    for (const std::string& p : branches)
      if (!p.starts_with("refs/")) plain.push_back(p);
    return !plain.empty() && filter_match(plain, std::string_view(ref).substr(kHeads.size()));
  }
  if (ref.starts_with(kTags))
    return !tags.empty() && filter_match(tags, std::string_view(ref).substr(kTags.size()));
  return false;
}

const EnvironmentSpec* EnvironmentsFile::find(const std::string& name) const {
  auto it = environments.find(name);
  return it == environments.end() ? nullptr : &it->second;
}

std::optional<EnvironmentsFile> parse_environments(std::string_view source, const std::string& file,
                                                   Diagnostics& diagnostics) {
  return EnvironmentsParser(source, file, diagnostics).parse();
}

std::optional<EnvironmentsFile> load_environments(const std::string& repo_dir,
                                                  Diagnostics& diagnostics) {
  fs::path path = fs::path(repo_dir) / kEnvironmentsFile;
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    EnvironmentsFile empty;
    empty.path = path.string();
    return empty;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    diagnostics.error({path.string(), 0, 0}, "cannot read the environments file");
    return std::nullopt;
  }
  std::stringstream text;
  text << in.rdbuf();
  std::string source = text.str();
  if (source.size() > (1 << 20)) {
    diagnostics.error({path.string(), 0, 0}, "the environments file is larger than 1 MiB");
    return std::nullopt;
  }
  return parse_environments(source, path.string(), diagnostics);
}

Result<std::map<std::string, std::string>> read_secrets_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{"cannot read the secrets file " + path, {}};
  std::map<std::string, std::string> out;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    size_t start = line.find_first_not_of(" \t");
    if (start == std::string::npos || line[start] == '#') continue;
    size_t eq = line.find('=');
    std::string name = eq == std::string::npos ? "" : line.substr(start, eq - start);
    while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.pop_back();
    if (name.starts_with("export ")) name = name.substr(7);
    if (!is_variable_name(name))
      return Error{path + ":" + std::to_string(number) + ": expected NAME=value", {}};
    std::string value = line.substr(eq + 1);
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
        value.back() == value.front())
      value = value.substr(1, value.size() - 2);
    out[name] = value;
  }
  return out;
}

}  // namespace sluice::deploy
