#include "deploy/deploy_spec.h"

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "core/text.h"

namespace sluice::deploy {

namespace {

struct EventName {
  LifecycleEvent event;
  const char* codedeploy;
  const char* kebab;
};

constexpr EventName kEvents[] = {
    {LifecycleEvent::kApplicationStop, "ApplicationStop", "application-stop"},
    {LifecycleEvent::kBeforeInstall, "BeforeInstall", "before-install"},
    {LifecycleEvent::kInstall, "Install", "install"},
    {LifecycleEvent::kAfterInstall, "AfterInstall", "after-install"},
    {LifecycleEvent::kApplicationStart, "ApplicationStart", "application-start"},
    {LifecycleEvent::kValidateService, "ValidateService", "validate-service"},
    {LifecycleEvent::kBeforeBlockTraffic, "BeforeBlockTraffic", "before-block-traffic"},
    {LifecycleEvent::kAfterBlockTraffic, "AfterBlockTraffic", "after-block-traffic"},
    {LifecycleEvent::kBeforeAllowTraffic, "BeforeAllowTraffic", "before-allow-traffic"},
    {LifecycleEvent::kAfterAllowTraffic, "AfterAllowTraffic", "after-allow-traffic"},
    {LifecycleEvent::kSetTraffic, "SetTraffic", "set-traffic"},
    {LifecycleEvent::kPromote, "Promote", "promote"},
};

}  // namespace

const char* to_string(Strategy strategy) {
  switch (strategy) {
    case Strategy::kAllAtOnce:
      return "all-at-once";
    case Strategy::kRolling:
      return "rolling";
    case Strategy::kBlueGreen:
      return "blue-green";
    case Strategy::kCanary:
      return "canary";
  }
  return "?";
}

Result<Strategy> parse_strategy(const std::string& text) {
  for (Strategy s :
       {Strategy::kAllAtOnce, Strategy::kRolling, Strategy::kBlueGreen, Strategy::kCanary})
    if (text == to_string(s)) return s;
  return Error{"strategy: '" + text + "' is not all-at-once, rolling, blue-green or canary", {}};
}

const char* to_string(LifecycleEvent event) {
  for (const EventName& e : kEvents)
    if (e.event == event) return e.codedeploy;
  return "?";
}

std::optional<LifecycleEvent> parse_lifecycle_event(const std::string& text) {
  for (const EventName& e : kEvents)
    if (text == e.codedeploy || text == e.kebab) return e.event;
  return std::nullopt;
}

std::vector<std::string> lifecycle_event_names() {
  std::vector<std::string> names;
  for (const EventName& e : kEvents) names.push_back(e.codedeploy);
  return names;
}

Result<MinHealthy> parse_min_healthy(const std::string& text) {
  MinHealthy m;
  std::string digits = text;
  if (!digits.empty() && digits.back() == '%') {
    m.percent = true;
    digits.pop_back();
  }
  bool valid = !digits.empty() && digits.size() <= 6 &&
               digits.find_first_not_of("0123456789") == std::string::npos;
  if (valid) m.value = std::stoi(digits);
  if (!valid || (m.percent && m.value > 100))
    return Error{"min-healthy: '" + text + "' is not a count of targets (3) or a percentage (75%)",
                 {}};
  return m;
}

// JSON: the spec as the journal's header keeps it. Positions are not kept (recovery
// reports no parse errors).
namespace {

using nlohmann::json;

json hook_json(const HookScript& h) {
  return {{"command", h.command},
          {"file", h.is_file},
          {"timeout_ms", h.timeout.count()},
          {"runas", h.runas}};
}

json check_json(const CheckSpec& c) {
  json j = {{"name", c.name},
            {"kind", static_cast<int>(c.kind)},
            {"url", c.url},
            {"query", c.query},
            {"command", c.command},
            {"status_min", c.status_min},
            {"status_max", c.status_max},
            {"condition", c.condition},
            {"failure_condition", c.failure_condition},
            {"interval_ms", c.interval.count()},
            {"initial_delay_ms", c.initial_delay.count()},
            {"timeout_ms", c.timeout.count()},
            {"count", c.count},
            {"failure_limit", c.failure_limit},
            {"inconclusive_limit", c.inconclusive_limit}};
  if (c.threshold) j["threshold"] = *c.threshold;
  if (c.max_latency) j["max_latency_ms"] = c.max_latency->count();
  if (c.inconclusive_exit_code) j["inconclusive_exit_code"] = *c.inconclusive_exit_code;
  return j;
}

// Members of the journal's JSON, checked: recovery reads it back, and a wrong type or an
// integer out of range must be an error, not a cast out of range.
int64_t int_at(const json& j, const char* key, int64_t fallback) {
  if (!j.is_object() || !j.contains(key)) return fallback;
  const json& v = j[key];
  if (!v.is_number_integer()) throw std::invalid_argument(std::string(key) + " is not an integer");
  return v.get<int64_t>();
}

int small_int_at(const json& j, const char* key, int fallback, int min, int max) {
  int64_t v = int_at(j, key, fallback);
  if (v < min || v > max) throw std::invalid_argument(std::string(key) + " is out of range");
  return static_cast<int>(v);
}

std::string text_at(const json& j, const char* key) {
  if (!j.is_object() || !j.contains(key)) return "";
  return j[key].get<std::string>();
}

CheckSpec check_from(const json& j) {
  constexpr int kBig = 1'000'000'000;
  CheckSpec c;
  c.name = text_at(j, "name");
  c.kind = static_cast<CheckSpec::Kind>(small_int_at(j, "kind", 0, 0, 2));
  c.url = text_at(j, "url");
  c.query = text_at(j, "query");
  c.command = text_at(j, "command");
  c.status_min = small_int_at(j, "status_min", 200, 0, 999);
  c.status_max = small_int_at(j, "status_max", 399, 0, 999);
  c.condition = text_at(j, "condition");
  c.failure_condition = text_at(j, "failure_condition");
  c.interval = std::chrono::milliseconds(int_at(j, "interval_ms", 1000));
  c.initial_delay = std::chrono::milliseconds(int_at(j, "initial_delay_ms", 0));
  c.timeout = std::chrono::milliseconds(int_at(j, "timeout_ms", 10000));
  c.count = small_int_at(j, "count", 1, 1, kBig);
  c.failure_limit = small_int_at(j, "failure_limit", 0, 0, kBig);
  c.inconclusive_limit = small_int_at(j, "inconclusive_limit", 0, 0, kBig);
  if (j.contains("threshold")) c.threshold = j["threshold"].get<double>();
  if (j.contains("max_latency_ms"))
    c.max_latency = std::chrono::milliseconds(int_at(j, "max_latency_ms", 0));
  if (j.contains("inconclusive_exit_code"))
    c.inconclusive_exit_code = small_int_at(j, "inconclusive_exit_code", 0, 0, 255);
  return c;
}

}  // namespace

std::string to_json(const DeploySpec& spec) {
  json targets = json::array();
  for (const Target& t : spec.targets) targets.push_back({{"name", t.name}, {"colour", t.colour}});
  json hooks = json::object();
  for (const auto& [event, scripts] : spec.hooks) {
    json list = json::array();
    for (const HookScript& h : scripts) list.push_back(hook_json(h));
    hooks[to_string(event)] = list;
  }
  json steps = json::array();
  for (const CanaryStep& s : spec.steps) {
    json step = {{"kind", static_cast<int>(s.kind)}, {"weight", s.weight}, {"checks", s.checks}};
    if (s.pause) step["pause_ms"] = s.pause->count();
    steps.push_back(step);
  }
  json checks = json::array();
  for (const CheckSpec& c : spec.checks) checks.push_back(check_json(c));
  json j = {{"strategy", to_string(spec.strategy)},
            {"targets", targets},
            {"revision", spec.revision},
            {"environment", spec.environment},
            {"hooks", hooks},
            {"hooks_dir", spec.hooks_dir},
            {"steps", steps},
            {"checks", checks},
            {"rollback_window_ms", spec.rollback_window.count()},
            {"auto_rollback", spec.auto_rollback}};
  if (spec.min_healthy)
    j["min_healthy"] = {{"percent", spec.min_healthy->percent}, {"value", spec.min_healthy->value}};
  return j.dump();
}

Result<DeploySpec> spec_from_json(const std::string& text) {
  try {
    json j = json::parse(text);
    DeploySpec spec;
    auto strategy = parse_strategy(j.at("strategy").get<std::string>());
    if (!strategy) return strategy.error();
    spec.strategy = *strategy;
    for (const json& t : j.at("targets"))
      spec.targets.push_back({text_at(t, "name"), text_at(t, "colour")});
    spec.revision = text_at(j, "revision");
    spec.environment = text_at(j, "environment");
    for (const auto& [name, list] : j.at("hooks").items()) {
      auto event = parse_lifecycle_event(name);
      if (!event) return Error{"journal: unknown lifecycle event " + name, {}};
      for (const json& h : list) {
        HookScript script;
        script.command = text_at(h, "command");
        script.is_file = h.at("file").get<bool>();
        script.timeout = std::chrono::milliseconds(int_at(h, "timeout_ms", 3'600'000));
        script.runas = text_at(h, "runas");
        spec.hooks[*event].push_back(script);
      }
    }
    spec.hooks_dir = text_at(j, "hooks_dir");
    for (const json& s : j.at("steps")) {
      CanaryStep step;
      step.kind = static_cast<CanaryStep::Kind>(small_int_at(s, "kind", 0, 0, 2));
      step.weight = small_int_at(s, "weight", 0, 0, 100);
      step.checks = s.at("checks").get<std::vector<std::string>>();
      if (s.contains("pause_ms")) step.pause = std::chrono::milliseconds(int_at(s, "pause_ms", 0));
      spec.steps.push_back(step);
    }
    for (const json& c : j.at("checks")) spec.checks.push_back(check_from(c));
    spec.rollback_window = std::chrono::milliseconds(int_at(j, "rollback_window_ms", 0));
    spec.auto_rollback = !j.contains("auto_rollback") || j["auto_rollback"].get<bool>();
    if (j.contains("min_healthy"))
      spec.min_healthy = MinHealthy{j["min_healthy"].at("percent").get<bool>(),
                                    small_int_at(j["min_healthy"], "value", 0, 0, 1'000'000)};
    return spec;
  } catch (const std::exception& e) {
    return Error{std::string("journal: the deployment's spec is unreadable: ") + e.what(), {}};
  }
}

}  // namespace sluice::deploy
