#include "scan/aws_solutions/rule.h"

namespace sluice::scan::aws {

void add_ec2_rules(std::vector<RuleDef>& rules) { (void)rules; }

}  // namespace sluice::scan::aws
