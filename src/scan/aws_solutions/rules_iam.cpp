// IAM rules: IAM4 (AWS managed policies) and IAM5 (wildcards); both granular.
#include <algorithm>

#include "scan/aws_solutions/rule.h"

namespace sluice::scan::aws {
namespace {

void add_unique(std::vector<std::string>& out, std::string id) {
  if (std::find(out.begin(), out.end(), id) == out.end()) out.push_back(std::move(id));
}

Outcome iam4(const RuleContext& ctx, const Resource& res) {
  std::vector<std::string> findings;
  const CfnNode* arns = ctx.prop(res, "ManagedPolicyArns");
  if (!arns) return Outcome::granular({});
  if (!arns->is_array()) throw UnknownValue{"ManagedPolicyArns is not a list"};
  for (const CfnNode& item : arns->items) {
    std::string flat = flatten(&item);
    if (flat.find(":iam::aws:") != std::string::npos) add_unique(findings, "Policy::" + flat);
  }
  return Outcome::granular(std::move(findings));
}

void wildcard_findings(const RuleContext& ctx, const CfnNode* document,
                       std::vector<std::string>& findings) {
  if (!document) throw UnknownValue{"PolicyDocument is missing"};
  const CfnNode* doc = ctx.resolve_strict(document);
  if (!doc) return;
  const CfnNode* statements = ctx.r(doc, "Statement");
  if (!statements) return;
  if (!statements->is_array()) throw UnknownValue{"policy Statement is not a list"};
  for (const CfnNode* st : ctx.list(statements)) {
    const CfnNode* effect = ctx.r(st, "Effect");
    if (!effect || !effect->is_string() || effect->text != "Allow") continue;
    const CfnNode* actions = ctx.raw(st, "Action");
    if (!actions) throw UnknownValue{"Allow statement without Action"};
    for (const CfnNode* a : ctx.as_list_or_single(actions)) {
      if (!a->is_string()) throw UnknownValue{"Action is not a string"};
      if (a->text.find('*') != std::string::npos) add_unique(findings, "Action::" + a->text);
    }
    const CfnNode* resources = ctx.raw(st, "Resource");
    if (!resources) continue;
    std::vector<const CfnNode*> items = resources->is_array()
                                            ? std::vector<const CfnNode*>{}
                                            : std::vector<const CfnNode*>{resources};
    if (resources->is_array()) {
      for (const CfnNode& item : resources->items) items.push_back(&item);
    }
    for (const CfnNode* r : items) {
      std::string flat = flatten(r);
      if (flat.find('*') != std::string::npos) add_unique(findings, "Resource::" + flat);
    }
  }
}

Outcome iam5(const RuleContext& ctx, const Resource& res) {
  std::vector<std::string> findings;
  if (res.type == "AWS::IAM::Policy" || res.type == "AWS::IAM::ManagedPolicy") {
    wildcard_findings(ctx, ctx.prop(res, "PolicyDocument"), findings);
  } else {
    for (const CfnNode* policy : ctx.list(ctx.prop(res, "Policies"))) {
      if (policy->is_intrinsic()) throw UnknownValue{"inline policy is an intrinsic function"};
      const CfnNode* doc = policy->get("PolicyDocument");
      if (!doc) throw UnknownValue{"inline policy without PolicyDocument"};
      wildcard_findings(ctx, doc, findings);
    }
  }
  return Outcome::granular(std::move(findings));
}

}  // namespace

void add_iam_rules(std::vector<RuleDef>& rules) {
  rules.push_back({"IAM4",
                   Level::kError,
                   {"AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group"},
                   "The IAM principal uses an AWS managed policy.",
                   "Replace the managed policy ARN in ManagedPolicyArns with a customer managed "
                   "policy scoped to "
                   "the needed actions.",
                   iam4,
                   true});
  rules.push_back(
      {"IAM5",
       Level::kError,
       {"AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group", "AWS::IAM::Policy",
        "AWS::IAM::ManagedPolicy"},
       "The IAM policy grants wildcard permissions.",
       "List the exact actions and resource ARNs in the policy statement instead of '*'.",
       iam5,
       true});
}

}  // namespace sluice::scan::aws
