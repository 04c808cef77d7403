// The `secrets` rule pack: finds leaked credentials in files, or only in the lines that
// commits added since a revision (options.since_rev). Entry point for `sluice scan` and
// the `sluice/scan` gate.
#pragma once

#include "scan/finding.h"

namespace sluice::scan {

// Scans options.paths (files or directories, recursively, honouring .gitignore) with the
// built-in rules or, when options.secrets_config_file is set, the rules of that
// gitleaks-compatible TOML file. Appends findings, the rules that ran, diagnostics (bad
// config, unreadable files) and file counters to `result`. The secret text itself never
// appears in any field of `result`: findings carry a redacted prefix and a fingerprint.
void run_secrets_pack(const ScanOptions& options, ScanResult& result);

}  // namespace sluice::scan
