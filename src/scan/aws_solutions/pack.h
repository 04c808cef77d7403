// Runs the aws-solutions rules over one template.
#pragma once

#include <vector>

#include "scan/cfn/evaluator.h"
#include "scan/cfn/template.h"
#include "scan/finding.h"

namespace sluice::scan::aws {

inline constexpr const char* kPackName = "aws-solutions";

// One Finding per applicable rule x resource (per finding ID for granular rules), in
// resource order then rule order. Compliant rows are included (the CSV report lists them).
std::vector<Finding> evaluate_template(const cfn::Template& tmpl,
                                       const cfn::ParameterValues& values);

// RuleInfo for every rule of the pack (for SARIF's rule list and the docs).
std::vector<RuleInfo> pack_rule_infos();

}  // namespace sluice::scan::aws
