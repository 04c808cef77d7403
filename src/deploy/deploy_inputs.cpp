#include "deploy/deploy_inputs.h"

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "core/text.h"
#include "deploy/appspec.h"
#include "deploy/yaml_fields.h"
#include "gates/gate_loop.h"
#include "gates/json_path.h"

namespace fs = std::filesystem;

namespace sluice::deploy {

namespace {

constexpr size_t kMaxInputBytes = 256 * 1024;
constexpr size_t kMaxTargets = 1000;

std::string trim(std::string s) {
  auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  auto e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

SourcePos input_pos(const char* name) {
  return SourcePos{std::string("with.") + name, 0, 0};
}

// The YAML document of an input, or nullopt (with the error) when it is not one.
std::optional<YAML::Node> input_document(YamlFields& y, const std::string& text) {
  if (text.size() > kMaxInputBytes) {
    y.diagnostics().error(SourcePos{y.file(), 0, 0},
                          "the input is larger than " + std::to_string(kMaxInputBytes) + " bytes",
                          "keep it short; put long scripts in files");
    return std::nullopt;
  }
  return y.parse();
}

std::optional<HookScript> read_script(YamlFields& y, const YAML::Node& node) {
  HookScript script;
  script.pos = y.pos(node);
  if (node.IsScalar()) {
    script.command = node.Scalar();
    return script;
  }
  if (!node.IsMap()) {
    y.error(node, "a hook must be a command or a mapping with `command`",
            "write `Install: ./install.sh` or `- command: ./install.sh`");
    return std::nullopt;
  }
  static constexpr std::string_view kKeys[] = {"command", "location", "timeout", "runas"};
  for (const auto& kv : node) {
    std::string k = kv.first.IsScalar() ? kv.first.Scalar() : "";
    if (k == "command" || k == "location") {
      if (auto t = y.text(kv.second, k)) script.command = *t;
      script.is_file = k == "location";
    } else if (k == "timeout") {
      if (auto d = y.duration(kv.second, "timeout")) script.timeout = *d;
    } else if (k == "runas") {
      if (auto t = y.text(kv.second, "runas")) script.runas = *t;
    } else {
      y.unknown_key(kv.first, "a hook", kKeys);
    }
  }
  if (script.command.empty()) {
    y.error(node, "a hook has no `command`", "add `command: ./script.sh`");
    return std::nullopt;
  }
  return script;
}

CheckSpec read_check(YamlFields& y, const YAML::Node& node) {
  static constexpr std::string_view kKeys[] = {"name",
                                               "http",
                                               "prometheus",
                                               "command",
                                               "query",
                                               "threshold",
                                               "status",
                                               "max-latency",
                                               "condition",
                                               "failure-condition",
                                               "interval",
                                               "initial-delay",
                                               "timeout",
                                               "count",
                                               "failure-limit",
                                               "inconclusive-limit",
                                               "inconclusive-exit-code"};
  CheckSpec c;
  c.pos = y.pos(node);
  int sources = 0;
  for (const auto& kv : node) {
    std::string k = kv.first.IsScalar() ? kv.first.Scalar() : "";
    const YAML::Node& v = kv.second;
    if (k == "name") {
      if (auto t = y.text(v, k)) c.name = *t;
    } else if (k == "http" || k == "prometheus") {
      ++sources;
      c.kind = k == "http" ? CheckSpec::Kind::kHttp : CheckSpec::Kind::kPrometheus;
      if (auto t = y.text(v, k)) {
        c.url = *t;
        if (c.url.rfind("http://", 0) != 0)
          y.error(v, k + ": '" + c.url + "' is not an http:// URL",
                  "checks reach services over plain HTTP (loopback or a private network)");
      }
    } else if (k == "command") {
      ++sources;
      c.kind = CheckSpec::Kind::kCommand;
      if (auto t = y.text(v, k)) c.command = *t;
    } else if (k == "query") {
      if (auto t = y.text(v, k)) c.query = *t;
    } else if (k == "threshold") {
      if (auto t = y.text(v, k)) {
        try {
          c.threshold = std::stod(*t);
        } catch (const std::exception&) {
          y.error(v, "threshold: '" + *t + "' is not a number");
        }
      }
    } else if (k == "status") {
      if (auto t = y.text(v, k)) {
        auto dash = t->find('-');
        std::string lo = t->substr(0, dash),
                    hi = dash == std::string::npos ? lo : t->substr(dash + 1);
        bool ok = !lo.empty() && !hi.empty() && lo.size() <= 3 && hi.size() <= 3 &&
                  lo.find_first_not_of("0123456789") == std::string::npos &&
                  hi.find_first_not_of("0123456789") == std::string::npos;
        if (ok) {
          c.status_min = std::stoi(lo);
          c.status_max = std::stoi(hi);
        }
        if (!ok || c.status_min > c.status_max)
          y.error(v, "status: '" + *t + "' is not a status or a range", "write 200 or 200-299");
      }
    } else if (k == "max-latency") {
      c.max_latency = y.duration(v, k);
    } else if (k == "condition" || k == "failure-condition") {
      if (auto t = y.text(v, k)) {
        auto parsed = gates::parse_condition(*t);
        if (!parsed) y.error(v, k + ": " + parsed.error().message, "write e.g. $.status == \"ok\"");
        (k == "condition" ? c.condition : c.failure_condition) = *t;
      }
    } else if (k == "interval") {
      if (auto d = y.duration(v, k)) c.interval = *d;
    } else if (k == "initial-delay") {
      if (auto d = y.duration(v, k)) c.initial_delay = *d;
    } else if (k == "timeout") {
      if (auto d = y.duration(v, k)) c.timeout = *d;
    } else if (k == "count") {
      if (auto n = y.integer(v, k, 1, 10000)) c.count = *n;
    } else if (k == "failure-limit") {
      if (auto n = y.integer(v, k, 0, 10000)) c.failure_limit = *n;
    } else if (k == "inconclusive-limit") {
      if (auto n = y.integer(v, k, 0, 10000)) c.inconclusive_limit = *n;
    } else if (k == "inconclusive-exit-code") {
      c.inconclusive_exit_code = y.integer(v, k, 1, 255);
    } else {
      y.unknown_key(kv.first, "a check", kKeys);
    }
  }
  if (c.name.empty()) y.error(node, "a check has no `name`", "add `name: errors`");
  if (sources != 1)
    y.error(node, "a check needs exactly one of `http`, `prometheus` or `command`",
            "e.g. `http: http://127.0.0.1:8080/healthz`");
  if (c.kind == CheckSpec::Kind::kPrometheus && c.query.empty())
    y.error(node, "a prometheus check needs `query`", "e.g. query: rate(errors_total[1m])");
  if (c.interval.count() < 10) y.error(node, "interval: at least 10ms between measurements");
  return c;
}

std::optional<CanaryStep> read_step(YamlFields& y, const YAML::Node& node) {
  static constexpr std::string_view kKeys[] = {"set-weight", "pause", "analysis"};
  if (!node.IsMap() || node.size() != 1) {
    y.error(node, "a step is one of `set-weight: N`, `pause: DURATION` or `analysis: [checks]`",
            "write each step as its own `- key: value` item");
    return std::nullopt;
  }
  CanaryStep step;
  step.pos = y.pos(node);
  const auto& kv = *node.begin();
  std::string k = kv.first.IsScalar() ? kv.first.Scalar() : "";
  const YAML::Node& v = kv.second;
  if (k == "set-weight" || k == "setWeight") {
    step.kind = CanaryStep::Kind::kSetWeight;
    auto n = y.integer(v, "set-weight", 0, 100);
    if (!n) return std::nullopt;
    step.weight = *n;
  } else if (k == "pause") {
    step.kind = CanaryStep::Kind::kPause;
    // `pause: {}` (Argo) or `pause:` waits for a person; {duration: 10s} or 10s waits that long.
    if (v.IsMap() && v["duration"]) {
      step.pause = y.duration(v["duration"], "pause.duration");
      if (!step.pause) return std::nullopt;
    } else if (v.IsScalar() && !v.Scalar().empty()) {
      step.pause = y.duration(v, "pause");
      if (!step.pause) return std::nullopt;
    } else if (!(v.IsNull() || (v.IsMap() && v.size() == 0) || v.IsScalar())) {
      y.error(v, "pause must be a duration, or {} to wait until promoted");
      return std::nullopt;
    }
  } else if (k == "analysis") {
    step.kind = CanaryStep::Kind::kAnalysis;
    YAML::Node list = v.IsMap() && v["checks"] ? v["checks"] : v;
    if (list.IsScalar()) {
      step.checks.push_back(list.Scalar());
    } else if (list.IsSequence()) {
      for (const YAML::Node& n : list)
        if (auto t = y.text(n, "analysis check")) step.checks.push_back(*t);
    } else {
      y.error(v, "analysis names the checks to run", "write `analysis: [errors, latency]`");
      return std::nullopt;
    }
  } else {
    y.unknown_key(kv.first, "a canary step", kKeys);
    return std::nullopt;
  }
  return step;
}

}  // namespace

std::vector<Target> parse_targets(const std::string& text, Diagnostics& diagnostics) {
  std::vector<Target> targets;
  std::set<std::string> seen;
  std::string item;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream items(line);
    while (std::getline(items, item, ',')) {
      item = trim(item);
      if (item.empty()) continue;
      Target t;
      if (auto eq = item.find('='); eq != std::string::npos) {
        t.colour = trim(item.substr(0, eq));
        t.name = trim(item.substr(eq + 1));
        if (t.colour != "blue" && t.colour != "green")
          diagnostics.error(input_pos("targets"),
                            "target '" + item + "': colour '" + t.colour + "' is not blue or green",
                            "write blue=NAME or green=NAME");
      } else {
        t.name = item;
      }
      if (t.name.empty() || t.name.size() > 256) {
        diagnostics.error(input_pos("targets"), "target '" + item + "' has no usable name");
        continue;
      }
      if (!seen.insert(t.name).second)
        diagnostics.error(input_pos("targets"), "target '" + t.name + "' is listed twice");
      if (targets.size() == kMaxTargets) {
        diagnostics.error(input_pos("targets"),
                          "more than " + std::to_string(kMaxTargets) + " targets");
        return targets;
      }
      targets.push_back(std::move(t));
    }
  }
  return targets;
}

HookMap parse_hooks_input(const std::string& text, Diagnostics& diagnostics) {
  HookMap hooks;
  YamlFields y("with.hooks", text, diagnostics);
  auto root = input_document(y, text);
  if (!root || root->IsNull()) return hooks;
  if (!root->IsMap()) {
    y.error(*root, "hooks must map lifecycle events to commands",
            "write `BeforeInstall: ./before.sh` lines");
    return hooks;
  }
  std::vector<std::string> names = lifecycle_event_names();
  std::vector<std::string_view> views(names.begin(), names.end());
  for (const auto& kv : *root) {
    auto event = kv.first.IsScalar() ? parse_lifecycle_event(kv.first.Scalar()) : std::nullopt;
    if (!event) {
      y.unknown_key(kv.first, "hooks", views);
      continue;
    }
    if (kv.second.IsSequence()) {
      for (const YAML::Node& n : kv.second)
        if (auto s = read_script(y, n)) hooks[*event].push_back(*s);
    } else if (auto s = read_script(y, kv.second)) {
      hooks[*event].push_back(*s);
    }
  }
  return hooks;
}

std::vector<CanaryStep> parse_steps_input(const std::string& text, Diagnostics& diagnostics) {
  std::vector<CanaryStep> steps;
  YamlFields y("with.steps", text, diagnostics);
  auto root = input_document(y, text);
  if (!root || root->IsNull()) return steps;
  if (!root->IsSequence()) {
    y.error(*root, "steps must be a list", "write `- set-weight: 20` lines");
    return steps;
  }
  for (const YAML::Node& n : *root)
    if (auto s = read_step(y, n)) steps.push_back(*s);
  return steps;
}

std::vector<CheckSpec> parse_checks_input(const std::string& text, Diagnostics& diagnostics) {
  std::vector<CheckSpec> checks;
  YamlFields y("with.checks", text, diagnostics);
  auto root = input_document(y, text);
  if (!root || root->IsNull()) return checks;
  if (!root->IsSequence()) {
    y.error(*root, "checks must be a list", "write `- name: errors` items");
    return checks;
  }
  std::set<std::string> names;
  for (const YAML::Node& n : *root) {
    if (!n.IsMap()) {
      y.error(n, "a check must be a mapping", "write `- name: errors` then `http: ...`");
      continue;
    }
    CheckSpec c = read_check(y, n);
    if (!c.name.empty() && !names.insert(c.name).second)
      y.error(n, "check '" + c.name + "' is defined twice");
    checks.push_back(std::move(c));
  }
  return checks;
}

DeploySpec read_deploy_inputs(const std::map<std::string, std::string>& inputs,
                              const InputDefaults& defaults, Diagnostics& diagnostics) {
  auto get = [&](const char* name) {
    auto it = inputs.find(name);
    return it == inputs.end() ? std::string() : trim(it->second);
  };
  DeploySpec spec;
  if (std::string s = get("strategy"); !s.empty()) {
    auto strategy = parse_strategy(s);
    if (strategy)
      spec.strategy = *strategy;
    else
      diagnostics.error(input_pos("strategy"), strategy.error().message);
  }
  spec.targets = parse_targets(get("targets"), diagnostics);
  spec.revision = get("revision").empty() ? defaults.revision : get("revision");
  if (spec.revision.empty())
    diagnostics.error(input_pos("revision"), "no revision",
                      "give `revision:` (GITHUB_SHA is unset)");
  spec.environment = get("environment");
  if (std::string m = get("min-healthy"); !m.empty()) {
    auto parsed = parse_min_healthy(m);
    if (parsed)
      spec.min_healthy = *parsed;
    else
      diagnostics.error(input_pos("min-healthy"), parsed.error().message);
  }
  spec.hooks_dir = defaults.workspace;
  if (std::string a = get("appspec"); !a.empty()) {
    fs::path path = fs::path(a).is_absolute() ? fs::path(a) : fs::path(defaults.workspace) / a;
    std::ifstream in(path, std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!in && text.empty()) {
      diagnostics.error(input_pos("appspec"), "cannot read appspec " + path.string());
    } else if (text.size() > kMaxInputBytes) {
      diagnostics.error(input_pos("appspec"), "appspec " + path.string() + " is too large");
    } else {
      spec.hooks = read_appspec(path.string(), text, diagnostics);
    }
  }
  for (auto& [event, scripts] : parse_hooks_input(get("hooks"), diagnostics)) {
    if (spec.hooks.count(event))
      diagnostics.error(input_pos("hooks"),
                        std::string(to_string(event)) + " is given by both `appspec` and `hooks`",
                        "keep one of them");
    spec.hooks[event] = scripts;
  }
  spec.steps = parse_steps_input(get("steps"), diagnostics);
  spec.checks = parse_checks_input(get("checks"), diagnostics);
  if (std::string w = get("rollback-window"); !w.empty()) {
    auto d = gates::parse_duration(w);
    if (d)
      spec.rollback_window = *d;
    else
      diagnostics.error(input_pos("rollback-window"), d.error().message);
  }
  if (std::string r = get("auto-rollback"); !r.empty()) {
    if (r != "true" && r != "false")
      diagnostics.error(input_pos("auto-rollback"),
                        "auto-rollback: '" + r + "' is not true or false");
    spec.auto_rollback = r != "false";
  }
  return spec;
}

}  // namespace sluice::deploy
