#include "gates/response_parsers.h"

#include <cmath>

#include "gates/gate_json.h"

namespace sluice::gates {
namespace {

using nlohmann::json;

constexpr size_t kMaxEvents = 10'000;

std::string first_of(const json& object, const char* a, const char* b) {
  std::string v = string_at(object, a);
  return v.empty() ? string_at(object, b) : v;
}

bool incident_open(const std::string& status) {
  return status != "resolved" && status != "postmortem" && status != "completed";
}

Error too_many(const std::string& what) {
  return Error{what + " response has more than " + std::to_string(kMaxEvents) + " events", {}};
}

}  // namespace

Result<std::vector<HealthEvent>> parse_statuspage_summary(std::string_view body) {
  auto doc = parse_response(body, "statuspage");
  if (!doc.ok()) return doc.error();
  const json& j = *doc;
  if (!j.is_object() || !j.contains("components") || !j["components"].is_array())
    return Error{
        "statuspage response is not a summary (no \"components\" array; the URL "
        "should end in /api/v2/summary.json)",
        {}};
  std::vector<HealthEvent> events;
  for (const auto& c : j["components"]) {
    if (!c.is_object()) return Error{"statuspage response: a component is not an object", {}};
    std::string status = string_at(c, "status");
    if (status == "operational") continue;
    HealthEvent e;
    e.id = string_at(c, "id");
    e.service = string_at(c, "name");
    e.event_type = status.empty() ? "unknown" : status;
    e.category = status == "under_maintenance" ? "scheduledChange" : "issue";
    e.status = "open";
    e.summary = "component " + e.service + " is " + e.event_type;
    if (events.size() >= kMaxEvents) return too_many("statuspage");
    events.push_back(std::move(e));
  }
  auto add_incidents = [&](const char* key, bool maintenance) -> Status {
    if (!j.contains(key)) return Status::Ok();
    if (!j[key].is_array())
      return Error{std::string("statuspage response: \"") + key + "\" is not an array", {}};
    for (const auto& inc : j[key]) {
      if (!inc.is_object())
        return Error{
            std::string("statuspage response: an entry of \"") + key + "\" is not an object", {}};
      std::string status = string_at(inc, "status");
      if (!incident_open(status)) continue;
      HealthEvent e;
      e.id = string_at(inc, "id");
      e.category = maintenance ? "scheduledChange" : "issue";
      e.status = maintenance && status == "scheduled" ? "upcoming" : "open";
      e.event_type = maintenance ? "maintenance" : "incident";
      e.summary = string_at(inc, "name") + " [" + status + "]";
      std::vector<std::string> services;
      if (inc.contains("components") && inc["components"].is_array())
        for (const auto& c : inc["components"]) services.push_back(string_at(c, "name"));
      if (services.empty()) services.push_back("");
      for (auto& s : services) {
        if (events.size() >= kMaxEvents) return too_many("statuspage");
        HealthEvent one = e;
        one.service = s;
        events.push_back(std::move(one));
      }
    }
    return Status::Ok();
  };
  if (auto s = add_incidents("incidents", false); !s.ok()) return s.error();
  if (auto s = add_incidents("scheduled_maintenances", true); !s.ok()) return s.error();
  return events;
}

Result<std::vector<HealthEvent>> parse_prometheus_query(std::string_view body,
                                                        std::optional<double> threshold) {
  auto doc = parse_response(body, "prometheus");
  if (!doc.ok()) return doc.error();
  const json& j = *doc;
  if (!j.is_object()) return Error{"prometheus response is not a JSON object", {}};
  std::string status = string_at(j, "status");
  if (status == "error")
    return Error{
        "prometheus query failed: " + string_at(j, "errorType") + ": " + string_at(j, "error"), {}};
  if (status != "success" || !j.contains("data") || !j["data"].is_object())
    return Error{"prometheus response has no \"status\": \"success\" with \"data\"", {}};
  const json& data = j["data"];
  std::string type = string_at(data, "resultType");
  json samples = json::array();
  if (type == "vector") {
    if (!data.contains("result") || !data["result"].is_array())
      return Error{"prometheus response: data.result is not an array", {}};
    samples = data["result"];
  } else if (type == "scalar") {
    samples.push_back(json{{"metric", json::object()}, {"value", data.value("result", json())}});
  } else {
    return Error{"prometheus response: resultType '" + type +
                     "' is not supported (write an instant query returning a vector or scalar)",
                 {}};
  }
  std::vector<HealthEvent> events;
  for (const auto& s : samples) {
    if (!s.is_object()) return Error{"prometheus response: a sample is not an object", {}};
    const json& value = s.contains("value") ? s["value"] : json();
    if (!value.is_array() || value.size() != 2 || !value[1].is_string())
      return Error{"prometheus response: a sample's value is not [time, \"number\"]", {}};
    double v = 0;
    std::string text = value[1].get<std::string>();
    try {
      v = std::stod(text);
    } catch (const std::exception&) {
      if (text == "NaN")
        v = std::nan("");
      else
        return Error{"prometheus response: sample value '" + text + "' is not a number", {}};
    }
    if (threshold && !(v > *threshold)) continue;
    HealthEvent e;
    std::string labels;
    const json& metric = s.contains("metric") && s["metric"].is_object() ? s["metric"] : json();
    if (metric.is_object())
      for (auto it = metric.begin(); it != metric.end(); ++it) {
        if (!it.value().is_string()) continue;
        labels +=
            (labels.empty() ? "" : ",") + it.key() + "=\"" + it.value().get<std::string>() + "\"";
      }
    e.id = "{" + labels + "}";
    e.category = "issue";
    e.status = "open";
    e.region = string_at(metric, "region");
    e.service = first_of(metric, "service", "job");
    e.event_type = first_of(metric, "alertname", "__name__");
    if (e.event_type.empty()) e.event_type = "sample";
    e.summary = "value " + text + (threshold ? " > " + std::to_string(*threshold) : "");
    if (events.size() >= kMaxEvents) return too_many("prometheus");
    events.push_back(std::move(e));
  }
  return events;
}

Result<std::vector<HealthEvent>> parse_events_json(std::string_view body, const std::string& what,
                                                   std::string* next_token) {
  auto doc = parse_response(body, what);
  if (!doc.ok()) return doc.error();
  const json& j = *doc;
  const json* list = nullptr;
  if (j.is_array()) {
    list = &j;
  } else if (j.is_object() && j.contains("events") && j["events"].is_array()) {
    list = &j["events"];
    if (next_token) *next_token = string_at(j, "nextToken");
  } else {
    return Error{what + " response is neither an array of events nor {\"events\": [...]}", {}};
  }
  std::vector<HealthEvent> events;
  for (const auto& o : *list) {
    if (!o.is_object()) return Error{what + " response: an event is not an object", {}};
    if (events.size() >= kMaxEvents) return too_many(what);
    HealthEvent e;
    e.id = first_of(o, "id", "arn");
    e.category = first_of(o, "category", "eventTypeCategory");
    e.status = first_of(o, "status", "statusCode");
    e.region = string_at(o, "region");
    e.service = string_at(o, "service");
    e.event_type = first_of(o, "type", "eventTypeCode");
    e.summary = first_of(o, "summary", "description");
    if (e.status.empty()) e.status = "open";
    if (e.category.empty()) e.category = "issue";
    events.push_back(std::move(e));
  }
  return events;
}

}  // namespace sluice::gates
