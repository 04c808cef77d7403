// The body of the `sluice/scan` pipeline gate, run as `sluice __scan-gate` inside a step.
#pragma once

#include <iosfwd>

namespace sluice::actions {

// Reads the action's inputs from INPUT_* (paths, packs, fail-on, format, output,
// suppressions, parameters, config, since) and GITHUB_WORKSPACE; scans; prints each
// unsuppressed finding as a `::error`/`::warning` workflow command (so the run keeps them
// as annotations); writes the report to `output` (relative to the workspace; a directory
// gets the format's file name) and a copy
// into $SLUICE_ARTIFACTS_DIR (kept with the run). Returns the scan's exit code: 0 pass,
// 1 findings at or above fail-on, 2 unreadable input.
int run_scan_gate(std::ostream& out, std::ostream& err);

}  // namespace sluice::actions
