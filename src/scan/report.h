// Report writers: one ScanResult, five formats. Each returns the whole report as text.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "scan/finding.h"

namespace sluice::scan {

enum class ReportFormat { kText, kJson, kCsv, kSarif, kJunit };

std::optional<ReportFormat> parse_report_format(std::string_view name);
const char* report_file_name(ReportFormat format);  // "sluice-scan.sarif", ... for --output DIR

// cdk-nag's CSV: header `Rule ID,Resource ID,Compliance,Exception Reason,Rule Level,Rule Info`,
// every field double-quoted, one row per rule x resource (per finding for granular rules).
std::string write_csv_report(const ScanResult& result);
// {"lines":[...cdk-nag JSON rows...], "sluice": {findings with positions, diagnostics, summary}}
std::string write_json_report(const ScanResult& result);
// SARIF 2.1.0 for GitHub code scanning; suppressed results carry kind "inSource".
std::string write_sarif_report(const ScanResult& result);
// JUnit XML: one testcase per rule x resource; failures for non-compliant ones.
std::string write_junit_report(const ScanResult& result);
// Human text grouped by file and resource, with the fix for each finding.
std::string write_text_report(const ScanResult& result);

std::string write_report(const ScanResult& result, ReportFormat format);

// Display strings used by every format.
const char* compliance_name(Compliance c);  // "Compliant", "Non-Compliant", "Suppressed", "UNKNOWN"
const char* level_name(Level l);            // "Error", "Warning", "Info"

}  // namespace sluice::scan
