#include "scan/aws_solutions/pack.h"

#include <algorithm>
#include <unordered_map>

#include "scan/aws_solutions/rule.h"

namespace sluice::scan::aws {
namespace {

// Rules indexed by resource type, built once.
const std::unordered_map<std::string, std::vector<const RuleDef*>>& rules_by_type() {
  static const auto index = [] {
    std::unordered_map<std::string, std::vector<const RuleDef*>> m;
    for (const RuleDef& r : all_rules()) {
      for (const std::string& t : r.types) m[t].push_back(&r);
    }
    return m;
  }();
  return index;
}

Finding base_finding(const RuleDef& rule, const cfn::Template& tmpl, const Resource& res) {
  Finding f;
  f.rule_id = rule.id();
  f.pack = kPackName;
  f.level = rule.level;
  f.file = tmpl.file;
  f.line = res.line;
  f.column = res.column;
  f.resource_id = res.logical_id;
  f.cdk_path = res.cdk_path;
  return f;
}

}  // namespace

std::vector<Finding> evaluate_template(const cfn::Template& tmpl,
                                       const cfn::ParameterValues& values) {
  std::vector<Finding> out;
  cfn::Evaluator evaluator(tmpl, values);
  RuleContext ctx(tmpl, evaluator);
  const auto& index = rules_by_type();
  for (const Resource& res : tmpl.resources) {
    auto it = index.find(res.type);
    if (it == index.end()) continue;
    for (const RuleDef* rule : it->second) {
      Finding f = base_finding(*rule, tmpl, res);
      Outcome outcome;
      try {
        outcome = rule->check(ctx, res);
      } catch (const UnknownValue& u) {
        f.compliance = Compliance::kUnknown;
        f.message = "could not evaluate: " + u.reason;
        out.push_back(std::move(f));
        continue;
      }
      switch (outcome.kind) {
        case Outcome::Kind::kNotApplicable:
          break;
        case Outcome::Kind::kCompliant:
          f.compliance = Compliance::kCompliant;
          out.push_back(std::move(f));
          break;
        case Outcome::Kind::kNonCompliant:
          f.compliance = Compliance::kNonCompliant;
          f.message = outcome.detail.empty() ? rule->description : outcome.detail;
          out.push_back(std::move(f));
          break;
        case Outcome::Kind::kFindings:
          if (outcome.findings.empty()) {
            f.compliance = Compliance::kCompliant;
            out.push_back(std::move(f));
          }
          for (std::string& id : outcome.findings) {
            Finding g = f;
            g.compliance = Compliance::kNonCompliant;
            g.message = rule->description;
            g.finding_id = std::move(id);
            out.push_back(std::move(g));
          }
          break;
      }
    }
  }
  return out;
}

std::vector<RuleInfo> pack_rule_infos() {
  std::vector<RuleInfo> infos;
  for (const RuleDef& r : all_rules()) {
    infos.push_back(RuleInfo{r.id(), kPackName, r.level, r.description, r.remediation});
  }
  return infos;
}

}  // namespace sluice::scan::aws
