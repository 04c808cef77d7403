// CSV, JSON and JUnit writers (SARIF and text live in their own files).
#include <map>

#include "core/encodings.h"
#include "core/json.h"
#include "core/value.h"
#include "scan/report.h"

namespace sluice::scan {
namespace {

std::string csv_field(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

// XML text: XML 1.0 forbids most control characters even when escaped, so they become spaces.
std::string xml_text(std::string_view s) {
  std::string text(s);
  for (char& c : text)
    if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t' && c != '\r') c = ' ';
  return sluice::xml_escape(text);
}

std::map<std::string, const RuleInfo*> rule_index(const ScanResult& r) {
  std::map<std::string, const RuleInfo*> m;
  for (const RuleInfo& info : r.rules) m.emplace(info.id, &info);
  return m;
}

std::string rule_info_text(const std::map<std::string, const RuleInfo*>& rules, const Finding& f) {
  auto it = rules.find(f.rule_id);
  return it == rules.end() ? f.message : it->second->description;
}

std::string resource_column(const Finding& f) {
  return f.cdk_path.empty() ? f.resource_id : f.cdk_path;
}

}  // namespace

const char* compliance_name(Compliance c) {
  switch (c) {
    case Compliance::kCompliant:
      return "Compliant";
    case Compliance::kNonCompliant:
      return "Non-Compliant";
    case Compliance::kSuppressed:
      return "Suppressed";
    case Compliance::kUnknown:
      return "UNKNOWN";
  }
  return "UNKNOWN";
}

const char* level_name(Level l) {
  switch (l) {
    case Level::kError:
      return "Error";
    case Level::kWarning:
      return "Warning";
    case Level::kInfo:
      return "Info";
  }
  return "Info";
}

std::optional<ReportFormat> parse_report_format(std::string_view name) {
  if (name == "text") return ReportFormat::kText;
  if (name == "json") return ReportFormat::kJson;
  if (name == "csv") return ReportFormat::kCsv;
  if (name == "sarif") return ReportFormat::kSarif;
  if (name == "junit") return ReportFormat::kJunit;
  return std::nullopt;
}

const char* report_file_name(ReportFormat format) {
  switch (format) {
    case ReportFormat::kText:
      return "sluice-scan.txt";
    case ReportFormat::kJson:
      return "sluice-scan.json";
    case ReportFormat::kCsv:
      return "sluice-scan.csv";
    case ReportFormat::kSarif:
      return "sluice-scan.sarif";
    case ReportFormat::kJunit:
      return "sluice-scan.junit.xml";
  }
  return "sluice-scan.txt";
}

std::string write_csv_report(const ScanResult& result) {
  auto rules = rule_index(result);
  std::string out = "Rule ID,Resource ID,Compliance,Exception Reason,Rule Level,Rule Info\n";
  for (const Finding& f : result.findings) {
    out += csv_field(f.rule_id) + ',' + csv_field(resource_column(f)) + ',' +
           csv_field(compliance_name(f.compliance)) + ',' +
           csv_field(f.compliance == Compliance::kSuppressed ? f.exception_reason : "N/A") + ',' +
           csv_field(level_name(f.level)) + ',' + csv_field(rule_info_text(rules, f)) + '\n';
  }
  return out;
}

std::string write_json_report(const ScanResult& result) {
  auto rules = rule_index(result);
  Value lines = Value::array();
  Value findings = Value::array();
  int counts[4] = {0, 0, 0, 0};
  for (const Finding& f : result.findings) {
    ++counts[static_cast<int>(f.compliance)];
    Value line = Value::object();
    line.set("ruleId", f.rule_id);
    line.set("resourceId", resource_column(f));
    line.set("compliance", compliance_name(f.compliance));
    line.set("exceptionReason",
             f.compliance == Compliance::kSuppressed ? f.exception_reason : "N/A");
    line.set("ruleLevel", level_name(f.level));
    line.set("ruleInfo", rule_info_text(rules, f));
    lines.as_array().push_back(line);
    Value s = Value::object();
    s.set("ruleId", f.rule_id);
    s.set("pack", f.pack);
    s.set("level", level_name(f.level));
    s.set("compliance", compliance_name(f.compliance));
    s.set("file", f.file);
    s.set("line", f.line);
    s.set("column", f.column);
    s.set("logicalId", f.resource_id);
    s.set("cdkPath", f.cdk_path);
    s.set("findingId", f.finding_id);
    s.set("message", f.message);
    auto it = rules.find(f.rule_id);
    s.set("remediation", it == rules.end() ? "" : it->second->remediation);
    s.set("exceptionReason", f.exception_reason);
    if (!f.fingerprint.empty()) s.set("fingerprint", f.fingerprint);
    if (!f.redacted.empty()) s.set("redacted", f.redacted);
    findings.as_array().push_back(s);
  }
  Value diagnostics = Value::array();
  for (const Diagnostic& d : result.diagnostics.items()) {
    Value v = Value::object();
    v.set("severity", d.severity == Severity::kError     ? "error"
                      : d.severity == Severity::kWarning ? "warning"
                                                         : "note");
    v.set("file", d.pos.file);
    v.set("line", d.pos.line);
    v.set("column", d.pos.column);
    v.set("message", d.message);
    v.set("hint", d.hint);
    diagnostics.as_array().push_back(v);
  }
  Value summary = Value::object();
  summary.set("compliant", counts[0]);
  summary.set("nonCompliant", counts[1]);
  summary.set("suppressed", counts[2]);
  summary.set("unknown", counts[3]);
  summary.set("filesScanned", result.files_scanned);
  summary.set("filesSkipped", result.files_skipped);
  summary.set("bytesScanned", static_cast<double>(result.bytes_scanned));
  Value sluice = Value::object();
  sluice.set("findings", findings);
  sluice.set("diagnostics", diagnostics);
  sluice.set("summary", summary);
  Value root = Value::object();
  root.set("lines", lines);
  root.set("sluice", sluice);
  return to_json(root, 2) + "\n";
}

std::string write_junit_report(const ScanResult& result) {
  auto rules = rule_index(result);
  // One testsuite per file keeps CI test views grouped the way the text report is.
  std::map<std::string, std::vector<const Finding*>> by_file;
  for (const Finding& f : result.findings) by_file[f.file].push_back(&f);
  int total = 0, failures = 0, skipped = 0;
  std::string suites;
  for (const auto& [file, list] : by_file) {
    int fails = 0, skips = 0;
    std::string cases;
    for (const Finding* f : list) {
      std::string name = f->rule_id + " " + resource_column(*f) +
                         (f->finding_id.empty() ? "" : "[" + f->finding_id + "]");
      cases += "    <testcase classname=\"" + xml_text(file) + "\" name=\"" + xml_text(name) + "\"";
      if (f->compliance == Compliance::kCompliant) {
        cases += "/>\n";
        continue;
      }
      cases += ">\n";
      if (f->compliance == Compliance::kNonCompliant) {
        ++fails;
        auto it = rules.find(f->rule_id);
        cases += "      <failure type=\"" + std::string(level_name(f->level)) + "\" message=\"" +
                 xml_text(f->message) + "\">" +
                 xml_text(f->file + ":" + std::to_string(f->line) + ": " + f->message +
                          (it == rules.end() ? "" : "\nfix: " + it->second->remediation)) +
                 "</failure>\n";
      } else {
        ++skips;
        std::string why = f->compliance == Compliance::kSuppressed
                              ? "suppressed: " + f->exception_reason
                              : "unknown: " + f->message;
        cases += "      <skipped message=\"" + xml_text(why) + "\"/>\n";
      }
      cases += "    </testcase>\n";
    }
    total += static_cast<int>(list.size());
    failures += fails;
    skipped += skips;
    suites += "  <testsuite name=\"" + xml_text(file) + "\" tests=\"" +
              std::to_string(list.size()) + "\" failures=\"" + std::to_string(fails) +
              "\" errors=\"0\" skipped=\"" + std::to_string(skips) + "\">\n" + cases +
              "  </testsuite>\n";
  }
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"sluice scan\" tests=\"" +
         std::to_string(total) + "\" failures=\"" + std::to_string(failures) +
         "\" errors=\"0\" skipped=\"" + std::to_string(skipped) + "\">\n" + suites +
         "</testsuites>\n";
}

std::string write_report(const ScanResult& result, ReportFormat format) {
  switch (format) {
    case ReportFormat::kText:
      return write_text_report(result);
    case ReportFormat::kJson:
      return write_json_report(result);
    case ReportFormat::kCsv:
      return write_csv_report(result);
    case ReportFormat::kSarif:
      return write_sarif_report(result);
    case ReportFormat::kJunit:
      return write_junit_report(result);
  }
  return "";
}

}  // namespace sluice::scan
