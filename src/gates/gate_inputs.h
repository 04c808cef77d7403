// A health gate built from its inputs, the keys of the `sluice/health-gate@v1` step (and of
// a gate named on an environment, deploy/environments.h): source, url, query, condition,
// threshold, command, endpoint, region, services, categories, statuses, event-types,
// ignore, interval, stable-for, timeout, on-source-error, on-timeout.
#pragma once

#include <functional>
#include <string>

#include "core/result.h"
#include "gates/gate_loop.h"
#include "gates/sources.h"

namespace sluice::gates {

struct GateSetup {
  GateConfig config;
  EventFilter filter;
  SourceOptions source;
};

// `input(name)` returns the input's value ("" when not given). Errors name the input at
// fault. The source is not built here (make_source does that, and names its own errors).
Result<GateSetup> gate_from_inputs(const std::function<std::string(const std::string&)>& input,
                                   const AwsCredentials& credentials);

}  // namespace sluice::gates
