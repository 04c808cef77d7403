#include "actions/health_gate_action.h"

#include <cstdlib>
#include <fstream>
#include <ostream>

#include "gates/gate_loop.h"
#include "gates/sources.h"

namespace sluice::actions {
namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

std::string input(const std::string& name) {
  std::string key = "INPUT_";
  for (char c : name)
    key += c == ' ' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  std::string v = env(key.c_str());
  while (!v.empty() && (v.back() == '\n' || v.back() == ' ')) v.pop_back();
  return v;
}

// Builds the gate from the inputs; an error names the input at fault.
struct Gate {
  gates::GateConfig config;
  gates::EventFilter filter;
  gates::SourceOptions source;
};

Result<Gate> read_inputs() {
  Gate g;
  auto duration = [](const char* name, std::chrono::milliseconds& into) -> Status {
    std::string text = input(name);
    if (text.empty()) return Status::Ok();
    auto d = gates::parse_duration(text);
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
  auto policy = gates::parse_on_source_error(input("on-source-error"));
  if (!policy.ok()) return policy.error();
  g.config.on_source_error = *policy;
  auto on_timeout = gates::parse_on_timeout(input("on-timeout"));
  if (!on_timeout.ok()) return on_timeout.error();
  g.config.on_timeout = *on_timeout;

  g.filter.regions = gates::split_list(input("region"));
  g.filter.services = gates::split_list(input("services"));
  g.filter.categories = gates::split_list(input("categories"));
  if (std::string s = input("statuses"); !s.empty()) g.filter.statuses = gates::split_list(s);
  g.filter.event_types = gates::split_list(input("event-types"));
  g.filter.ignore = gates::split_list(input("ignore"));

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
  g.source.credentials = {env("AWS_ACCESS_KEY_ID"), env("AWS_SECRET_ACCESS_KEY"),
                          env("AWS_SESSION_TOKEN")};
  // A poll never outlasts the interval by much: the gate's rhythm is the interval.
  g.source.request_timeout =
      std::max(std::chrono::milliseconds(1'000),
               std::min(g.config.interval * 3, std::chrono::milliseconds(30'000)));
  return g;
}

void write_outputs(const gates::GateOutcome& outcome) {
  std::string path = env("GITHUB_OUTPUT");
  if (path.empty()) return;
  std::ofstream out(path, std::ios::app);
  out << "result=" << (outcome.passed ? "pass" : "fail") << "\npolls=" << outcome.polls << "\n";
}

}  // namespace

int run_health_gate(std::ostream& out, std::ostream& err) {
  out << std::unitbuf;  // each poll reaches the step's log as it happens
  auto gate = read_inputs();
  if (!gate.ok()) {
    err << "::error::health-gate: " << gate.error().message << "\n";
    return 2;
  }
  auto source = gates::make_source(gate->source);
  if (!source.ok()) {
    err << "::error::health-gate: " << source.error().message << "\n";
    return 2;
  }
  gates::SystemGateClock clock;
  auto outcome = gates::run_gate(gate->config, **source, gate->filter, clock, out);
  write_outputs(outcome);
  if (!outcome.passed) {
    out << "::error::health gate failed: " << outcome.reason << "\n";
    return 1;
  }
  if (outcome.warning)
    out << "::warning::health gate passed with a warning: " << outcome.reason << "\n";
  else
    out << "health gate passed: " << outcome.reason << "\n";
  return 0;
}

}  // namespace sluice::actions
