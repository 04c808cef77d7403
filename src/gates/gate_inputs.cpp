#include "gates/gate_inputs.h"

#include <algorithm>

namespace sluice::gates {

Result<GateSetup> gate_from_inputs(const std::function<std::string(const std::string&)>& input,
                                   const AwsCredentials& credentials) {
  GateSetup g;
  auto duration = [&](const char* name, std::chrono::milliseconds& into) -> Status {
    std::string text = input(name);
    if (text.empty()) return Status::Ok();
    auto d = parse_duration(text);
    if (!d.ok()) return Error{std::string(name) + ": " + d.error().message, {}};
    into = *d;
    return Status::Ok();
  };
  if (auto s = duration("interval", g.config.interval); !s.ok()) return s.error();
  if (auto s = duration("timeout", g.config.timeout); !s.ok()) return s.error();
  if (g.config.interval.count() < 100) return Error{"interval: at least 100ms between polls", {}};
  // Back-off never waits longer than five intervals or five minutes, whichever is less
  // (and never less than one interval).
  g.config.backoff_cap = std::max(
      g.config.interval, std::min(g.config.interval * 5, std::chrono::milliseconds(300'000)));
  if (std::string s = input("stable-for"); !s.empty()) {
    try {
      size_t used = 0;
      g.config.stable_for = std::stoi(s, &used);
      if (used != s.size() || g.config.stable_for < 1 || g.config.stable_for > 1000)
        throw std::invalid_argument(s);
    } catch (const std::exception&) {
      return Error{"stable-for: '" + s + "' is not a count of polls (1 to 1000)", {}};
    }
  }
  auto policy = parse_on_source_error(input("on-source-error"));
  if (!policy.ok()) return policy.error();
  g.config.on_source_error = *policy;
  auto on_timeout = parse_on_timeout(input("on-timeout"));
  if (!on_timeout.ok()) return on_timeout.error();
  g.config.on_timeout = *on_timeout;

  g.filter.regions = split_list(input("region"));
  g.filter.services = split_list(input("services"));
  g.filter.categories = split_list(input("categories"));
  if (std::string s = input("statuses"); !s.empty()) g.filter.statuses = split_list(s);
  g.filter.event_types = split_list(input("event-types"));
  g.filter.ignore = split_list(input("ignore"));

  g.source.kind = input("source");
  g.source.url = input("url");
  g.source.query = input("query");
  g.source.condition = input("condition");
  g.source.command = input("command");
  g.source.endpoint = input("endpoint");
  if (std::string t = input("threshold"); !t.empty()) {
    try {
      g.source.threshold = std::stod(t);
    } catch (const std::exception&) {
      return Error{"threshold: '" + t + "' is not a number", {}};
    }
  }
  g.source.credentials = credentials;
  // A poll never outlasts the interval by much: the gate's rhythm is the interval.
  g.source.request_timeout =
      std::max(std::chrono::milliseconds(1'000),
               std::min(g.config.interval * 3, std::chrono::milliseconds(30'000)));
  return g;
}

}  // namespace sluice::gates
