// The vocabulary shared by every scan rule pack (aws-solutions, secrets, ...), the
// report writers, the `sluice scan` command and the `sluice/scan` pipeline gate.
#pragma once

#include <string>
#include <vector>

#include "core/diagnostic.h"

namespace sluice::scan {

enum class Level { kError, kWarning, kInfo };
enum class Compliance { kCompliant, kNonCompliant, kSuppressed, kUnknown };

// What a rule is, independent of any resource: rows of docs/scan-rules.md and the
// SARIF tool.driver.rules array.
struct RuleInfo {
  std::string id;    // "AwsSolutions-S1", "aws-access-key-id"
  std::string pack;  // "aws-solutions", "secrets"
  Level level = Level::kError;
  std::string description;  // what it checks, one sentence
  std::string remediation;  // how to fix, one line
};

// One rule evaluated against one resource (or, for granular rules, one finding within
// it; for the secrets pack, one match). Compliant results are kept because the
// cdk-nag CSV report lists them.
struct Finding {
  std::string rule_id;
  std::string pack;
  Level level = Level::kError;
  Compliance compliance = Compliance::kNonCompliant;
  std::string file;  // as given on the command line / relative to the scan root
  int line = 0;      // 1-based; 0 when unknown
  int column = 0;
  std::string resource_id;       // CloudFormation logical ID (or file:line for secrets)
  std::string cdk_path;          // aws:cdk:path metadata without the leading '/', or ""
  std::string finding_id;        // granular rules: "Action::s3:*"; else ""
  std::string message;           // what is wrong here
  std::string exception_reason;  // the suppression's reason when suppressed
  std::string fingerprint;       // secrets: stable id for ignore files
  std::string redacted;          // secrets: first 4 characters then "…"
};

// What a scan produced: every finding, the rules that ran, and problems with the
// input (unreadable files, invalid or stale suppressions).
struct ScanResult {
  std::vector<Finding> findings;
  std::vector<RuleInfo> rules;
  Diagnostics diagnostics;
  int files_scanned = 0;
  int files_skipped = 0;  // binary or over the size limit
  long long bytes_scanned = 0;
};

// Options shared by the CLI and the pipeline gate (`with:` mirrors them).
struct ScanOptions {
  std::vector<std::string> paths;  // files or directories
  std::vector<std::string> packs{"aws-solutions", "secrets"};
  std::string suppressions_file;    // .sluice/suppressions.yml
  std::string parameters_file;      // CloudFormation parameter values
  std::string secrets_config_file;  // gitleaks-compatible TOML
  std::string since_rev;            // scan lines added since REV
  std::string root = ".";           // paths in reports are relative to it
};

}  // namespace sluice::scan
