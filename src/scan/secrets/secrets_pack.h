// The `secrets` rule pack: finds leaked credentials in files, or only in the lines that
// commits added since a revision (options.since_rev). Entry point for `sluice scan` and
// the `sluice/scan` gate.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "scan/finding.h"

namespace sluice::scan {

struct SecretsScanLimits {
  size_t max_file_bytes = 10 << 20;  // larger files (and diff fragments) are skipped
  size_t binary_probe_bytes = 8192;  // a NUL byte in this prefix marks a file as binary
};

// Scans options.paths (files or directories, recursively, honouring .gitignore; the root
// when empty) with the built-in rules or, when options.secrets_config_file is set, the
// rules of that gitleaks-compatible TOML file. Fingerprints listed in <root>/.gitleaksignore
// or <root>/.sluiceignore-secrets are dropped. Appends findings, the rules that ran,
// diagnostics (bad config, unreadable files, git errors) and file counters to `result`.
//
// Invariant: the secret text never appears in any field of `result`; findings carry a
// redacted prefix (redact_secret) and a fingerprint.
void run_secrets_pack(const ScanOptions& options, ScanResult& result);
void run_secrets_pack(const ScanOptions& options, ScanResult& result,
                      const SecretsScanLimits& limits);

// The first characters of a secret followed by "…": 4 characters for secrets of 12 bytes or
// more, fewer for short ones (a quarter of their length) so that little of a short
// password is shown. Non-printable bytes are shown as '?'.
std::string redact_secret(std::string_view secret);

}  // namespace sluice::scan
