// The body of the `sluice/health-gate` deployment gate, run as `sluice __health-gate` inside
// a step (so the step's timeout and cancellation end it like any process).
#pragma once

#include <iosfwd>

namespace sluice::actions {

// Reads the action's inputs from INPUT_* (source, url, query, condition, threshold, command,
// endpoint, region, services, categories, statuses, event-types, ignore, interval,
// stable-for, timeout, on-source-error, on-timeout) and AWS credentials from the standard
// variables; polls until the gate decides (gates/gate_loop.h), writing each poll to `out`
// as it happens. Returns 0 when the gate passes (a `::warning::` when it passed only by
// policy), 1 when it fails (an `::error::` with the reason), 2 for invalid inputs.
// Writes `result` (pass | fail) and `polls` to $GITHUB_OUTPUT when set.
int run_health_gate(std::ostream& out, std::ostream& err);

}  // namespace sluice::actions
