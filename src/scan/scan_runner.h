// The library entry point of `sluice scan` and of the `sluice/scan` pipeline gate: both
// call run_scan with the same options, so policy is identical on both sides.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "scan/finding.h"
#include "scan/report.h"

namespace sluice::scan {

enum class FailOn { kError, kWarning, kNone };
std::optional<FailOn> parse_fail_on(std::string_view name);

// Runs the packs named in options.packs ("aws-solutions", "secrets") over options.paths.
// Never throws; problems with the input end up in result.diagnostics (errors) and
// questionable configuration (stale or expired suppressions) as warnings.
ScanResult run_scan(const ScanOptions& options);

// 2 when the input could not be read (diagnostics with errors: unreadable or malformed
// templates, invalid suppressions or parameters), else 1 when an unsuppressed
// Non-Compliant finding is at or above `fail_on`, else 0.
int scan_exit_code(const ScanResult& result, FailOn fail_on);

// Annotations for the pipeline gate / `sluice show`: one per unsuppressed non-compliant
// finding, "file:line: level RuleId: message (fix: ...)".
struct ScanAnnotation {
  std::string file;
  int line = 0;
  Level level = Level::kError;
  std::string message;
};
std::vector<ScanAnnotation> scan_annotations(const ScanResult& result);

}  // namespace sluice::scan
