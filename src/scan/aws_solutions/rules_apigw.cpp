// API Gateway (incl. the WAFv2 association rule APIG3), Cognito and AppSync rules.
#include <cctype>

#include "scan/aws_solutions/rule.h"

namespace sluice::scan::aws {
namespace {

Outcome apig1(const RuleContext& ctx, const Resource& res) {
  const CfnNode* s = ctx.prop(
      res, res.type == "AWS::ApiGateway::Stage" ? "AccessLogSetting" : "AccessLogSettings");
  if (!s) return Outcome::fail("access logging is not configured");
  return Outcome::when(!ctx.r(s, "DestinationArn") || !ctx.r(s, "Format"),
                       "access log settings need both DestinationArn and Format");
}

Outcome apig2(const RuleContext& ctx, const Resource& res) {
  for (const Resource* v : ctx.tmpl().of_type("AWS::ApiGateway::RequestValidator")) {
    auto api = ctx.link(ctx.prop(*v, "RestApiId"));
    const CfnNode* body = ctx.prop(*v, "ValidateRequestBody");
    const CfnNode* params = ctx.prop(*v, "ValidateRequestParameters");
    auto is_true = [](const CfnNode* n) {
      return n && ((n->is_bool() && n->boolean) || (n->is_string() && n->text == "true"));
    };
    if (api && *api == res.logical_id && is_true(body) && is_true(params)) return Outcome::ok();
  }
  return Outcome::fail("no request validator validates both body and parameters for this API");
}

// `text` matches the regex `a.+s(?!\w)`: `a`, at least one character, then `s` not followed by a
// word character.
bool ordered_tokens(const std::string& text, const std::string& a, const std::string& s) {
  if (a.empty() || s.empty()) return false;
  size_t pa = text.find(a);
  if (pa == std::string::npos) return false;
  size_t from = pa + a.size() + 1;
  while (from <= text.size()) {
    size_t ps = text.find(s, from);
    if (ps == std::string::npos) return false;
    size_t after = ps + s.size();
    unsigned char c = after < text.size() ? static_cast<unsigned char>(text[after]) : ' ';
    if (!(std::isalnum(c) || c == '_')) return true;
    from = ps + 1;
  }
  return false;
}

Outcome apig3(const RuleContext& ctx, const Resource& res) {
  std::string api = ctx.link(ctx.prop(res, "RestApiId")).value_or("");
  auto stage_name = ctx.link(ctx.prop(res, "StageName"));
  for (const Resource* assoc : ctx.tmpl().of_type("AWS::WAFv2::WebACLAssociation")) {
    const CfnNode* arn = ctx.prop(*assoc, "ResourceArn");
    if (!arn) continue;
    std::string text = cfn::to_compact_json(*arn);
    if (ordered_tokens(text, api, res.logical_id) ||
        (stage_name && ordered_tokens(text, api, *stage_name))) {
      return Outcome::ok();
    }
  }
  return Outcome::fail("no AWS::WAFv2::WebACLAssociation attaches a web ACL to this stage");
}

bool cors_preflight(const RuleContext& ctx, const Resource& res) {
  const CfnNode* responses = ctx.prop(res, "MethodResponses");
  if (!responses) return false;
  for (const CfnNode* r : ctx.list(responses)) {
    const CfnNode* code = ctx.r(r, "StatusCode");
    if (!code || !code->is_string() || code->text != "204") return false;
    const CfnNode* params = ctx.r(r, "ResponseParameters");
    bool found = false;
    for (size_t i = 0; params && params->is_object() && i < params->keys.size(); ++i) {
      const CfnNode& v = params->items[i];
      if (params->keys[i].starts_with("method.response.header.Access-Control-Allow-") &&
          v.is_bool() && v.boolean)
        found = true;
    }
    if (!found) return false;
  }
  return true;
}

Outcome apig4(const RuleContext& ctx, const Resource& res) {
  if (res.type == "AWS::ApiGateway::Method") {
    Prim method = ctx.pp(res, "HttpMethod");
    if (method.eq("OPTIONS") && cors_preflight(ctx, res)) return Outcome::na();
  }
  Prim auth = ctx.pp(res, "AuthorizationType");
  return Outcome::when(auth.absent() || auth.eq("NONE"), "AuthorizationType is NONE");
}

Outcome apig6(const RuleContext& ctx, const Resource& res) {
  const CfnNode* settings = ctx.prop(res, "MethodSettings");
  if (!settings) return Outcome::fail("MethodSettings does not enable execution logging");
  for (const CfnNode* s : ctx.list(settings)) {
    auto text = [&](const char* k) {
      const CfnNode* v = ctx.r(s, k);
      return v && v->is_scalar() ? cfn::scalar_to_string(*v) : std::string();
    };
    std::string level = text("LoggingLevel");
    if (text("HttpMethod") == "*" && text("ResourcePath") == "/*" &&
        (level == "ERROR" || level == "INFO")) {
      return Outcome::ok();
    }
  }
  return Outcome::fail(
      "no MethodSettings entry logs all methods (HttpMethod *, ResourcePath /*) at ERROR or INFO");
}

Outcome cog4(const RuleContext& ctx, const Resource& res) {
  if (ctx.pp(res, "HttpMethod").eq("OPTIONS")) return Outcome::na();
  const CfnNode* type = ctx.prop(res, "AuthorizationType");
  return Outcome::when(!type || !type->is_string() || type->text != "COGNITO_USER_POOLS",
                       "AuthorizationType is not COGNITO_USER_POOLS");
}

Outcome cog1(const RuleContext& ctx, const Resource& res) {
  if (!ctx.prop(res, "Policies")) return Outcome::fail("no password policy is set");
  const CfnNode* p = ctx.prop(res, "Policies.PasswordPolicy");
  if (!p) return Outcome::fail("no password policy is set");
  Prim len = ctx.p(ctx.r(p, "MinimumLength"));
  if (len.absent() || len.num() < 8) return Outcome::fail("MinimumLength is below 8");
  for (const char* flag : {"RequireUppercase", "RequireNumbers", "RequireSymbols"}) {
    if (!ctx.p(ctx.r(p, flag)).is_true()) return Outcome::fail(std::string(flag) + " is not true");
  }
  return Outcome::ok();
}

Outcome cog2(const RuleContext& ctx, const Resource& res) {
  return Outcome::when(!ctx.pp(res, "MfaConfiguration").eq("ON"), "MfaConfiguration is not ON");
}

Outcome cog7(const RuleContext& ctx, const Resource& res) {
  return Outcome::when(!ctx.pp(res, "AllowUnauthenticatedIdentities").falsy(),
                       "AllowUnauthenticatedIdentities is true");
}

Outcome cog8(const RuleContext& ctx, const Resource& res) {
  return Outcome::when(!ctx.pp(res, "UserPoolTier").eq("PLUS"), "UserPoolTier is not PLUS");
}

Outcome asc3(const RuleContext& ctx, const Resource& res) {
  const CfnNode* log = ctx.prop(res, "LogConfig");
  if (!log) return Outcome::fail("LogConfig is not set");
  Prim exclude = ctx.p(ctx.r(log, "ExcludeVerboseContent"));
  return Outcome::when(!ctx.r(log, "CloudWatchLogsRoleArn") || exclude.is_true(),
                       "request-level logging needs CloudWatchLogsRoleArn and verbose content");
}

}  // namespace

void add_apigw_rules(std::vector<RuleDef>& rules) {
  rules.push_back({"APIG1",
                   Level::kError,
                   {"AWS::ApiGateway::Stage", "AWS::ApiGatewayV2::Stage"},
                   "The API Gateway stage has access logging disabled.",
                   "Set AccessLogSetting {DestinationArn: <log group ARN>, Format: ...}.",
                   apig1});
  rules.push_back({"APIG2",
                   Level::kError,
                   {"AWS::ApiGateway::RestApi"},
                   "The REST API does not validate requests.",
                   "Add an AWS::ApiGateway::RequestValidator with RestApiId: !Ref <Api>, "
                   "ValidateRequestBody: true and "
                   "ValidateRequestParameters: true.",
                   apig2});
  rules.push_back({"APIG3",
                   Level::kWarning,
                   {"AWS::ApiGateway::Stage"},
                   "The REST API stage is not associated with an AWS WAFv2 web ACL.",
                   "Add an AWS::WAFv2::WebACLAssociation whose ResourceArn is the stage ARN "
                   "(.../restapis/<Api>/stages/<Stage>) "
                   "and whose WebACLArn uses AWS managed rule groups.",
                   apig3});
  rules.push_back({"APIG4",
                   Level::kError,
                   {"AWS::ApiGateway::Method", "AWS::ApiGatewayV2::Route"},
                   "The API does not implement authorization.",
                   "Set AuthorizationType to AWS_IAM, CUSTOM, COGNITO_USER_POOLS or JWT.",
                   apig4});
  rules.push_back(
      {"APIG6",
       Level::kError,
       {"AWS::ApiGateway::Stage"},
       "The API Gateway stage does not log execution for all methods.",
       "Add MethodSettings [{HttpMethod: '*', ResourcePath: '/*', LoggingLevel: ERROR}].",
       apig6});
  rules.push_back({"COG4",
                   Level::kError,
                   {"AWS::ApiGateway::Method"},
                   "The API Gateway method does not use a Cognito user pool authorizer.",
                   "Set AuthorizationType: COGNITO_USER_POOLS with an AuthorizerId.",
                   cog4});
  const std::vector<std::string> pool{"AWS::Cognito::UserPool"};
  rules.push_back({"COG1", Level::kError, pool, "The Cognito user pool password policy is weak.",
                   "Set Policies.PasswordPolicy: MinimumLength >= 8, RequireUppercase, "
                   "RequireNumbers, RequireSymbols true.",
                   cog1});
  rules.push_back({"COG2", Level::kWarning, pool, "The Cognito user pool does not require MFA.",
                   "Set MfaConfiguration: ON.", cog2});
  rules.push_back({"COG7",
                   Level::kError,
                   {"AWS::Cognito::IdentityPool"},
                   "The Cognito identity pool allows unauthenticated identities.",
                   "Set AllowUnauthenticatedIdentities: false.",
                   cog7});
  rules.push_back({"COG8", Level::kError, pool,
                   "The Cognito user pool is not on the Plus feature plan.",
                   "Set UserPoolTier: PLUS.", cog8});
  rules.push_back({"ASC3",
                   Level::kError,
                   {"AWS::AppSync::GraphQLApi"},
                   "The AppSync API does not log requests with verbose content.",
                   "Set LogConfig {CloudWatchLogsRoleArn: <role>, ExcludeVerboseContent: false}.",
                   asc3});
}

}  // namespace sluice::scan::aws
