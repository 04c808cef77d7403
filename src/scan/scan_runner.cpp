#include "scan/scan_runner.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>

#include "scan/aws_solutions/pack.h"
#include "scan/cfn/evaluator.h"
#include "scan/cfn/template.h"
#include "scan/secrets/secrets_pack.h"
#include "scan/suppressions.h"
#include "scan/template_discovery.h"

namespace sluice::scan {
namespace fs = std::filesystem;
namespace {

// A discovered (not explicitly named) file that fails to parse is only an error when it
// was probably meant to be a template; a broken package.json is not our business.
bool probably_template(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return false;
  std::string head(65536, '\0');
  head.resize(std::fread(head.data(), 1, head.size(), f));
  std::fclose(f);
  return head.find("Resources") != std::string::npos && head.find("AWS::") != std::string::npos;
}

void run_aws_solutions(const ScanOptions& options, ScanResult& result) {
  cfn::ParameterValues parameters;
  if (!options.parameters_file.empty()) {
    auto loaded = cfn::load_parameter_file(options.parameters_file);
    if (!loaded) {
      result.diagnostics.error(loaded.error().pos, loaded.error().message,
                               "write {\"ParamName\": \"value\"}");
    } else {
      parameters = std::move(*loaded);
    }
  }
  std::string today = today_utc();
  std::vector<Suppression> file_suppressions;
  std::string supp_path = options.suppressions_file;
  if (supp_path.empty()) {
    fs::path def =
        fs::path(options.root.empty() ? "." : options.root) / ".sluice" / "suppressions.yml";
    std::error_code ec;
    if (fs::exists(def, ec)) supp_path = def.string();
  }
  if (!supp_path.empty()) {
    auto loaded = load_suppressions_file(supp_path, today, result.diagnostics);
    if (!loaded) {
      result.diagnostics.error(loaded.error().pos, loaded.error().message, "");
    } else {
      file_suppressions = std::move(*loaded);
    }
  }
  for (const TemplateCandidate& c :
       discover_templates(options.paths, options.root, result.diagnostics)) {
    bool is_template = false;
    auto tmpl = cfn::load_template_file(c.path, c.display_name, result.diagnostics, is_template);
    if (!tmpl) {
      if (c.explicit_path || probably_template(c.path)) {
        result.diagnostics.error(
            tmpl.error().pos, tmpl.error().message,
            "fix the template syntax (valid JSON or YAML, UTF-8, under 50 MB)");
      }
      continue;
    }
    if (!is_template) continue;
    ++result.files_scanned;
    result.bytes_scanned += tmpl->bytes;
    std::vector<Finding> findings = aws::evaluate_template(*tmpl, parameters);
    apply_suppressions(*tmpl, findings, file_suppressions, result.diagnostics);
    result.findings.insert(result.findings.end(), std::make_move_iterator(findings.begin()),
                           std::make_move_iterator(findings.end()));
  }
  report_stale_file_suppressions(file_suppressions, today, result.diagnostics);
  auto infos = aws::pack_rule_infos();
  result.rules.insert(result.rules.end(), infos.begin(), infos.end());
}

}  // namespace

std::optional<FailOn> parse_fail_on(std::string_view name) {
  if (name == "error") return FailOn::kError;
  if (name == "warning") return FailOn::kWarning;
  if (name == "none") return FailOn::kNone;
  return std::nullopt;
}

ScanResult run_scan(const ScanOptions& options) {
  ScanResult result;
  for (const std::string& pack : options.packs) {
    if (pack != aws::kPackName && pack != "secrets") {
      result.diagnostics.error(SourcePos{}, "unknown rule pack '" + pack + "'",
                               "use aws-solutions or secrets");
    }
  }
  auto wants = [&](std::string_view pack) {
    return std::find(options.packs.begin(), options.packs.end(), pack) != options.packs.end();
  };
  if (wants(aws::kPackName)) run_aws_solutions(options, result);
  if (wants("secrets")) run_secrets_pack(options, result);
  return result;
}

int scan_exit_code(const ScanResult& result, FailOn fail_on) {
  if (result.diagnostics.has_errors()) return 2;
  if (fail_on == FailOn::kNone) return 0;
  for (const Finding& f : result.findings) {
    if (f.compliance != Compliance::kNonCompliant) continue;
    if (f.level == Level::kError || (fail_on == FailOn::kWarning && f.level == Level::kWarning))
      return 1;
  }
  return 0;
}

std::vector<ScanAnnotation> scan_annotations(const ScanResult& result) {
  std::map<std::string, const RuleInfo*> rules;
  for (const RuleInfo& r : result.rules) rules.emplace(r.id, &r);
  std::vector<ScanAnnotation> out;
  for (const Finding& f : result.findings) {
    if (f.compliance != Compliance::kNonCompliant) continue;
    std::string msg = f.rule_id + (f.finding_id.empty() ? "" : "[" + f.finding_id + "]") + " " +
                      (f.resource_id.empty() ? "" : f.resource_id + ": ") + f.message;
    auto it = rules.find(f.rule_id);
    if (it != rules.end() && !it->second->remediation.empty())
      msg += " (fix: " + it->second->remediation + ")";
    out.push_back({f.file, f.line, f.level, msg});
  }
  return out;
}

}  // namespace sluice::scan
