#include "scan/aws_solutions/policy.h"

namespace sluice::scan::aws {

std::vector<const CfnNode*> policy_statements(const RuleContext& ctx, const CfnNode* document) {
  const CfnNode* doc = ctx.resolve_strict(document);
  if (!doc) return {};
  const CfnNode* st = ctx.r(doc, "Statement");
  if (!st) return {};
  if (!st->is_array()) throw UnknownValue{"policy Statement is not a list"};
  return ctx.list(st);
}

std::string statement_effect(const RuleContext& ctx, const CfnNode* statement) {
  const CfnNode* e = ctx.r(statement, "Effect");
  return e && e->is_string() ? e->text : "";
}

bool principal_is_everyone(const RuleContext& ctx, const CfnNode* statement) {
  const CfnNode* p = ctx.r(statement, "Principal");
  if (!p) throw UnknownValue{"statement has no Principal"};
  if (p->is_string()) return p->text == "*";
  const CfnNode* aws = ctx.r(p, "AWS");
  if (!aws) return false;
  if (aws->is_string()) return aws->text == "*";
  if (aws->is_array()) {
    for (const CfnNode& item : aws->items) {
      if (item.is_string() && item.text == "*") return true;
    }
  }
  return false;
}

bool secure_transport_false(const RuleContext& ctx, const CfnNode* statement) {
  const CfnNode* cond = ctx.r(statement, "Condition");
  const CfnNode* b = cond ? ctx.r(cond, "Bool") : nullptr;
  const CfnNode* v = b ? ctx.resolve(b->get("aws:SecureTransport")) : nullptr;
  if (!v) return false;
  return (v->is_string() && v->text == "false") || (v->is_bool() && !v->boolean);
}

bool action_in(const RuleContext& ctx, const CfnNode* statement,
               std::initializer_list<std::string_view> actions) {
  const CfnNode* a = ctx.r(statement, "Action");
  if (!a) throw UnknownValue{"statement has no Action"};
  for (const CfnNode* item : ctx.as_list_or_single(a)) {
    if (!item->is_string()) throw UnknownValue{"Action is not a string"};
    std::string l = lower(item->text);
    for (std::string_view want : actions) {
      if (l == want) return true;
    }
  }
  return false;
}

bool is_ssl_only_deny(const RuleContext& ctx, const CfnNode* statement,
                      std::initializer_list<std::string_view> actions) {
  return statement_effect(ctx, statement) == "Deny" && action_in(ctx, statement, actions) &&
         principal_is_everyone(ctx, statement) && secure_transport_false(ctx, statement);
}

bool principal_json_has_star(const RuleContext& ctx, const CfnNode* statement) {
  const CfnNode* p = ctx.r(statement, "Principal");
  return p && cfn::to_compact_json(*p).find('*') != std::string::npos;
}

}  // namespace sluice::scan::aws
