#include "actions/health_gate_action.h"

#include <cstdlib>
#include <fstream>
#include <ostream>

#include "actions/action_inputs.h"
#include "gates/gate_inputs.h"
#include "gates/gate_loop.h"
#include "gates/sources.h"

namespace sluice::actions {
namespace {

Result<gates::GateSetup> read_inputs() {
  return gates::gate_from_inputs(
      action_input, {env_value("AWS_ACCESS_KEY_ID"), env_value("AWS_SECRET_ACCESS_KEY"),
                     env_value("AWS_SESSION_TOKEN")});
}

void write_outputs(const gates::GateOutcome& outcome) {
  std::string path = env_value("GITHUB_OUTPUT");
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
