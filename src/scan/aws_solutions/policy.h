// Policy-document predicates shared by the S3, SQS, SNS, MediaStore and EventBridge
// rules (reference §0.8). They throw UnknownValue exactly where cdk-nag's rule throws.
#pragma once

#include <initializer_list>
#include <string_view>
#include <vector>

#include "scan/aws_solutions/rule.h"

namespace sluice::scan::aws {

// PolicyDocument.Statement as a list; a single object or an intrinsic throws.
std::vector<const CfnNode*> policy_statements(const RuleContext& ctx, const CfnNode* document);

// Effect of a statement, "" when absent or not a string.
std::string statement_effect(const RuleContext& ctx, const CfnNode* statement);

// Principal is "*", {"AWS": "*"} or {"AWS": [..., "*"]}; throws when Principal is absent.
bool principal_is_everyone(const RuleContext& ctx, const CfnNode* statement);

// Condition.Bool["aws:SecureTransport"] is "false" or false.
bool secure_transport_false(const RuleContext& ctx, const CfnNode* statement);

// Some Action (string or list) lower-cases to one of `actions`; throws for a missing or
// non-string action.
bool action_in(const RuleContext& ctx, const CfnNode* statement,
               std::initializer_list<std::string_view> actions);

// Deny + action + principal everyone + SecureTransport false, in cdk-nag's order.
bool is_ssl_only_deny(const RuleContext& ctx, const CfnNode* statement,
                      std::initializer_list<std::string_view> actions);

// JSON text of Principal contains '*'.
bool principal_json_has_star(const RuleContext& ctx, const CfnNode* statement);

}  // namespace sluice::scan::aws
