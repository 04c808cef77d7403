// What a health source reports: one event that may hold a deployment back. Every source
// (AWS Health, Statuspage, HTTP, Prometheus, command) maps its response onto this shape so
// that one filter and one audit-trail format serve them all.
#pragma once

#include <string>
#include <vector>

namespace sluice::gates {

struct HealthEvent {
  std::string id;          // stable per event (an AWS event ARN, a Statuspage incident id)
  std::string category;    // issue | scheduledChange | accountNotification
  std::string status;      // open | upcoming | closed
  std::string region;      // "" when the source has no regions
  std::string service;     // AWS service, Statuspage component, Prometheus job, ...
  std::string event_type;  // AWS eventTypeCode, "incident", "component", "condition", ...
  std::string summary;     // one human line (incident name, metric labels and value)
};

// "id=... region=... service=... status=... type=...": one line of the audit trail.
std::string describe_event(const HealthEvent& event);

// Which events block. Empty lists mean "any". Region, service and event-type entries are
// globs (core/glob.h); category and status are compared exactly. `ignore` holds event ids
// or id globs that never block (a known, accepted event).
struct EventFilter {
  std::vector<std::string> categories;
  std::vector<std::string> statuses{"open"};
  std::vector<std::string> regions;
  std::vector<std::string> services;
  std::vector<std::string> event_types;
  std::vector<std::string> ignore;

  bool blocks(const HealthEvent& event) const;
};

// "a, b\nc" -> {a, b, c}: how list inputs are written in a step's `with:`.
std::vector<std::string> split_list(const std::string& text);

}  // namespace sluice::gates
