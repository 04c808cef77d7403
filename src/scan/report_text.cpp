// Human text report: findings grouped by file, then by resource, each with the fix.
#include <algorithm>
#include <map>

#include "scan/report.h"

namespace sluice::scan {

std::string write_text_report(const ScanResult& result) {
  std::map<std::string, const RuleInfo*> rules;
  for (const RuleInfo& r : result.rules) rules.emplace(r.id, &r);

  // file -> resource (in first-seen order) -> findings worth showing
  std::map<std::string, std::vector<std::pair<std::string, std::vector<const Finding*>>>> files;
  int counts[4] = {0, 0, 0, 0};
  int errors = 0, warnings = 0;
  for (const Finding& f : result.findings) {
    ++counts[static_cast<int>(f.compliance)];
    if (f.compliance == Compliance::kNonCompliant) (f.level == Level::kError ? errors : warnings)++;
    if (f.compliance != Compliance::kNonCompliant && f.compliance != Compliance::kUnknown) continue;
    auto& resources = files[f.file];
    std::string key = f.resource_id;
    auto it = std::find_if(resources.begin(), resources.end(),
                           [&](const auto& p) { return p.first == key; });
    if (it == resources.end()) {
      resources.emplace_back(key, std::vector<const Finding*>{});
      it = resources.end() - 1;
    }
    it->second.push_back(&f);
  }
  std::string out;
  for (const auto& [file, resources] : files) {
    out += file + "\n";
    for (const auto& [id, list] : resources) {
      const Finding& first = *list.front();
      out += "  " + id;
      if (!first.cdk_path.empty()) out += "  (" + first.cdk_path + ")";
      out += "  " + file + ":" + std::to_string(first.line) + "\n";
      for (const Finding* f : list) {
        std::string level = f->compliance == Compliance::kUnknown ? "unknown"
                            : f->level == Level::kError           ? "error"
                                                                  : "warning";
        level.resize(8, ' ');
        out += "    " + level + f->rule_id;
        if (!f->finding_id.empty()) out += "[" + f->finding_id + "]";
        if (f->line != first.line) out += "  line " + std::to_string(f->line);
        out += ": " + f->message + "\n";
        auto r = rules.find(f->rule_id);
        if (r != rules.end() && f->compliance == Compliance::kNonCompliant &&
            !r->second->remediation.empty()) {
          out += "            fix: " + r->second->remediation + "\n";
        }
      }
    }
    out += "\n";
  }
  if (!result.diagnostics.empty()) out += result.diagnostics.format() + "\n";
  out += std::to_string(counts[1]) + " non-compliant (" + std::to_string(errors) + " errors, " +
         std::to_string(warnings) + " warnings), " + std::to_string(counts[2]) + " suppressed, " +
         std::to_string(counts[3]) + " unknown, " + std::to_string(counts[0]) + " compliant; " +
         std::to_string(result.files_scanned) + " files scanned";
  if (result.files_skipped) out += ", " + std::to_string(result.files_skipped) + " skipped";
  out += "\n";
  return out;
}

}  // namespace sluice::scan
