// SARIF 2.1.0 writer, shaped for GitHub code scanning: tool.driver.rules with id, short
// description, help and default level; results with ruleId, level, message and a
// repository-relative location; suppressed results with kind "inSource".
#include <cctype>
#include <map>

#include "core/json.h"
#include "core/value.h"
#include "scan/report.h"

namespace sluice::scan {
namespace {

const char* sarif_level(Level l) {
  switch (l) {
    case Level::kError:
      return "error";
    case Level::kWarning:
      return "warning";
    case Level::kInfo:
      return "note";
  }
  return "note";
}

// Repository-relative URI: forward slashes, no leading "./", percent-encoded specials.
std::string file_uri(const std::string& path) {
  std::string p = path;
  while (p.starts_with("./")) p.erase(0, 2);
  std::string out;
  for (unsigned char c : p) {
    if (std::isalnum(c) || c == '/' || c == '.' || c == '-' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      static const char* hex = "0123456789ABCDEF";
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

Value text_object(const std::string& text) {
  Value v = Value::object();
  v.set("text", text);
  return v;
}

}  // namespace

std::string write_sarif_report(const ScanResult& result) {
  Value rules = Value::array();
  std::map<std::string, int> rule_index;
  for (const RuleInfo& r : result.rules) {
    if (rule_index.count(r.id)) continue;
    rule_index[r.id] = static_cast<int>(rule_index.size());
    Value rule = Value::object();
    rule.set("id", r.id);
    rule.set("name", r.id);
    rule.set("shortDescription", text_object(r.description));
    rule.set("fullDescription", text_object(r.description));
    Value help = text_object("Fix: " + r.remediation);
    help.set("markdown", "**Fix:** " + r.remediation);
    rule.set("help", help);
    Value config = Value::object();
    config.set("level", sarif_level(r.level));
    rule.set("defaultConfiguration", config);
    Value props = Value::object();
    props.set("pack", r.pack);
    rule.set("properties", props);
    rules.as_array().push_back(rule);
  }
  Value results = Value::array();
  for (const Finding& f : result.findings) {
    if (f.compliance == Compliance::kCompliant) continue;
    Value res = Value::object();
    res.set("ruleId", f.rule_id);
    if (auto it = rule_index.find(f.rule_id); it != rule_index.end())
      res.set("ruleIndex", it->second);
    // UNKNOWN rows are informational: the rule could not decide.
    res.set("level", f.compliance == Compliance::kUnknown ? "note" : sarif_level(f.level));
    std::string where =
        f.cdk_path.empty() ? f.resource_id : f.resource_id + " (" + f.cdk_path + ")";
    std::string message = f.compliance == Compliance::kUnknown
                              ? f.rule_id + " could not be evaluated on " + where + ": " + f.message
                              : f.message +
                                    (f.finding_id.empty() ? "" : " (" + f.finding_id + ")") + " [" +
                                    where + "]";
    res.set("message", text_object(message));
    Value artifact = Value::object();
    artifact.set("uri", file_uri(f.file));
    artifact.set("uriBaseId", "%SRCROOT%");
    Value physical = Value::object();
    physical.set("artifactLocation", artifact);
    if (f.line > 0) {
      Value region = Value::object();
      region.set("startLine", f.line);
      if (f.column > 0) region.set("startColumn", f.column);
      physical.set("region", region);
    }
    Value location = Value::object();
    location.set("physicalLocation", physical);
    if (!f.resource_id.empty()) {
      Value logical = Value::object();
      logical.set("name", f.resource_id);
      if (!f.cdk_path.empty()) logical.set("fullyQualifiedName", f.cdk_path);
      logical.set("kind", "resource");
      location.set("logicalLocations", Value::array({logical}));
    }
    res.set("locations", Value::array({location}));
    Value fingerprints = Value::object();
    fingerprints.set("sluice/v1", f.fingerprint.empty() ? f.rule_id + "|" + f.file + "|" +
                                                              f.resource_id + "|" + f.finding_id
                                                        : f.fingerprint);
    res.set("partialFingerprints", fingerprints);
    if (f.compliance == Compliance::kSuppressed) {
      Value s = Value::object();
      s.set("kind", "inSource");
      s.set("justification", f.exception_reason);
      res.set("suppressions", Value::array({s}));
    }
    results.as_array().push_back(res);
  }
  Value driver = Value::object();
  driver.set("name", "sluice");
  driver.set("informationUri", "https://github.com/sluice-ci/sluice/blob/main/docs/scan.md");
  driver.set("version", "0.1.0");
  driver.set("rules", rules);
  Value tool = Value::object();
  tool.set("driver", driver);
  Value run = Value::object();
  run.set("tool", tool);
  run.set("results", results);
  run.set("columnKind", "unicodeCodePoints");
  Value log = Value::object();
  log.set("$schema", "https://json.schemastore.org/sarif-2.1.0.json");
  log.set("version", "2.1.0");
  log.set("runs", Value::array({run}));
  return to_json(log, 2) + "\n";
}

}  // namespace sluice::scan
