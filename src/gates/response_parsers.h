// Parsers for the documented response shapes of each health source (docs/health-gates.md).
// Each takes the raw body (untrusted), applies gate_json's size and depth limits, and
// returns every event it finds (unfiltered) or an error saying what is malformed. Kept
// apart from the sources' I/O so that unit tests and the fuzz target call them directly.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "gates/health_event.h"

namespace sluice::gates {

// Atlassian Statuspage GET /api/v2/summary.json: an unresolved incident (status other than
// resolved/postmortem/completed) is an open `issue` (one event per affected component, or
// one with no service when it names none); a component whose status is not `operational`
// is an open `issue` (`under_maintenance`: an open `scheduledChange`); a scheduled
// maintenance is an `upcoming` (scheduled) or open (in_progress, verifying)
// `scheduledChange`.
Result<std::vector<HealthEvent>> parse_statuspage_summary(std::string_view body);

// Prometheus GET /api/v1/query: {"status":"success","data":{"resultType":"vector"|"scalar",
// "result":...}}. Without a threshold every sample is a blocking event (the query selects
// what is wrong, e.g. ALERTS{alertstate="firing"}); with one, only samples whose value is
// above it. {"status":"error"} is an error carrying Prometheus's message.
Result<std::vector<HealthEvent>> parse_prometheus_query(std::string_view body,
                                                        std::optional<double> threshold);

// Events as JSON, the shape `source: command` prints and AWS Health's DescribeEvents
// answers: an array of event objects, or an object with "events": [...]. Each object's
// fields, sluice's name first, AWS Health's after the '|': id|arn, category|
// eventTypeCategory, status|statusCode, region, service, type|eventTypeCode,
// summary|description. `next_token` (when given) receives "nextToken".
Result<std::vector<HealthEvent>> parse_events_json(std::string_view body, const std::string& what,
                                                   std::string* next_token = nullptr);

}  // namespace sluice::gates
