// S3 rules: S1 (access logs), S2 (public access block), S5 (website OAI), S10 (SSL only).
#include <algorithm>
#include <cctype>
#include <optional>

#include "scan/aws_solutions/policy.h"
#include "scan/aws_solutions/rule.h"

namespace sluice::scan::aws {
namespace {

Outcome s1(const RuleContext& ctx, const Resource& res) {
  const CfnNode* logging = ctx.prop(res, "LoggingConfiguration");
  if (logging && (ctx.r(logging, "DestinationBucketName") || ctx.r(logging, "LogFilePrefix"))) {
    return Outcome::ok();
  }
  // A bucket that receives other buckets' access logs does not log itself.
  const CfnNode* own_name = ctx.prop(res, "BucketName");
  const auto& destinations = ctx.memo("S1.destinations", [&] {
    std::vector<std::string> out;
    for (const Resource* other : ctx.tmpl().of_type("AWS::S3::Bucket")) {
      const CfnNode* dest = ctx.lenient_prop(*other, "LoggingConfiguration.DestinationBucketName");
      if (!dest) continue;
      try {
        out.push_back(flatten(dest));
      } catch (const UnknownValue&) {
      }
    }
    return out;
  });
  for (const std::string& flat : destinations) {
    if (contains_token(flat, res.logical_id)) return Outcome::ok();
    if (own_name && own_name->is_string() && flat == own_name->text) return Outcome::ok();
  }
  return Outcome::fail("LoggingConfiguration.DestinationBucketName is not set");
}

Outcome s2(const RuleContext& ctx, const Resource& res) {
  const CfnNode* block = ctx.prop(res, "PublicAccessBlockConfiguration");
  if (!block) return Outcome::ok();  // AWS blocks public access on new buckets by default
  const char* flags[] = {"BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls",
                         "RestrictPublicBuckets"};
  std::string missing;
  for (const char* f : flags) {
    if (!ctx.p(ctx.r(block, f)).is_true())
      missing += (missing.empty() ? "" : ", ") + std::string(f);
  }
  return Outcome::when(!missing.empty(),
                       "PublicAccessBlockConfiguration does not set " + missing + " to true");
}

// The bucket policies of the template whose Bucket (L mode) is this bucket's logical ID
// or literal name. The links are computed once per template.
std::vector<const Resource*> policies_of(const RuleContext& ctx, const Resource& bucket) {
  auto policies = ctx.tmpl().of_type("AWS::S3::BucketPolicy");
  const auto& targets = ctx.memo("S3.policy_targets", [&] {
    std::vector<std::string> out;
    for (const Resource* p : policies) {
      std::optional<std::string> t;
      try {
        t = ctx.link(ctx.prop(*p, "Bucket"));
      } catch (const UnknownValue&) {
      }
      out.push_back(t.value_or(std::string(1, '\0')));  // NUL never equals an ID or name
    }
    return out;
  });
  const CfnNode* name = ctx.prop(bucket, "BucketName");
  std::vector<const Resource*> out;
  for (size_t i = 0; i < policies.size(); ++i) {
    if (targets[i] == bucket.logical_id ||
        (name && name->is_string() && targets[i] == name->text)) {
      out.push_back(policies[i]);
    }
  }
  return out;
}

Outcome s5(const RuleContext& ctx, const Resource& res) {
  if (!ctx.prop(res, "WebsiteConfiguration")) return Outcome::ok();
  for (const Resource* policy : policies_of(ctx, res)) {
    bool oai_ok = false, failed = false;
    for (const CfnNode* st : policy_statements(ctx, ctx.prop(*policy, "PolicyDocument"))) {
      if (statement_effect(ctx, st) != "Allow") continue;
      const CfnNode* principal = ctx.r(st, "Principal");
      if (!principal) throw UnknownValue{"Allow statement without Principal"};
      if (cfn::to_compact_json(*principal).find('*') != std::string::npos) {
        failed = true;
        break;
      }
      const CfnNode* aws = ctx.r(principal, "AWS");
      const CfnNode* canonical = ctx.r(principal, "CanonicalUser");
      bool oai = (aws && cfn::to_compact_json(*aws).find("CloudFront Origin Access Identity") !=
                             std::string::npos) ||
                 (canonical && !(canonical->is_scalar() && ctx.p(canonical).falsy()));
      if (!oai) continue;
      for (const CfnNode* a : ctx.as_list_or_single(ctx.r(st, "Action"))) {
        if (!a->is_string()) throw UnknownValue{"Action is not a string"};
        std::string l = lower(a->text);
        if (l != "s3:getobject" && l != "s3:putobject") failed = true;
      }
      if (failed) break;
      oai_ok = true;
    }
    if (!failed && oai_ok) return Outcome::ok();
  }
  return Outcome::fail(
      "website bucket is not served through a CloudFront origin access identity policy");
}

// Resource list covers the bucket ARN and its objects (reference S10 step 5).
bool covers_bucket_and_objects(const RuleContext& ctx, const CfnNode* resources,
                               const std::string& id, const std::string& name) {
  const CfnNode* list = ctx.resolve(resources);
  if (!list || !list->is_array()) return false;
  bool bucket = false, objects = false;
  for (const CfnNode& item : list->items) {
    std::string text = cfn::to_compact_json(item);
    size_t slashes = std::count(text.begin(), text.end(), '/');
    for (const std::string& key : {id, name}) {
      if (key.empty()) continue;
      if (slashes == 0 && contains_token(text, key, true)) bucket = true;
      if (slashes == 1) {
        size_t pos = 0;
        while ((pos = text.find(key, pos)) != std::string::npos) {
          size_t after = pos + key.size();
          unsigned char c = after < text.size() ? static_cast<unsigned char>(text[after]) : ' ';
          if (!(std::isalnum(c) || c == '_' || c == '-') &&
              text.find("/*", after) != std::string::npos) {
            objects = true;
          }
          ++pos;
        }
      }
    }
  }
  return bucket && objects;
}

bool ssl_enforcing(const RuleContext& ctx, const Resource& policy, const std::string& id,
                   const std::string& name) {
  for (const CfnNode* st : policy_statements(ctx, ctx.prop(policy, "PolicyDocument"))) {
    if (is_ssl_only_deny(ctx, st, {"*", "s3:*"}) &&
        covers_bucket_and_objects(ctx, ctx.r(st, "Resource"), id, name)) {
      return true;
    }
  }
  return false;
}

Outcome s10(const RuleContext& ctx, const Resource& res) {
  if (res.type == "AWS::S3::BucketPolicy") {
    std::string id = ctx.link(ctx.prop(res, "Bucket")).value_or("");
    const CfnNode* raw = ctx.prop(res, "Bucket");
    std::string name = raw && raw->is_string() ? raw->text : "";
    return Outcome::when(!ssl_enforcing(ctx, res, id, name),
                         "policy has no Deny statement for aws:SecureTransport=false covering the "
                         "bucket and its objects");
  }
  const CfnNode* name_node = ctx.prop(res, "BucketName");
  std::string name = name_node && name_node->is_string() ? name_node->text : "";
  for (const Resource* policy : policies_of(ctx, res)) {
    if (ssl_enforcing(ctx, *policy, res.logical_id, name)) return Outcome::ok();
  }
  return Outcome::fail("no bucket policy denies requests without SSL (aws:SecureTransport=false)");
}

}  // namespace

void add_s3_rules(std::vector<RuleDef>& rules) {
  const std::vector<std::string> bucket{"AWS::S3::Bucket"};
  rules.push_back({"S1", Level::kError, bucket, "The S3 bucket has server access logging disabled.",
                   "Set LoggingConfiguration.DestinationBucketName to a log bucket.", s1});
  rules.push_back(
      {"S2", Level::kError, bucket,
       "The S3 bucket does not block public access at the bucket level.",
       "Set all four PublicAccessBlockConfiguration flags (BlockPublicAcls, BlockPublicPolicy, "
       "IgnorePublicAcls, RestrictPublicBuckets) to true, or omit the block.",
       s2});
  rules.push_back(
      {"S5", Level::kError, bucket,
       "The static-website bucket is not restricted to a CloudFront origin access identity.",
       "Serve the site through CloudFront with an OAI and a bucket policy allowing only "
       "s3:GetObject to it.",
       s5});
  rules.push_back(
      {"S10",
       Level::kError,
       {"AWS::S3::Bucket", "AWS::S3::BucketPolicy"},
       "The S3 bucket or bucket policy does not require requests to use SSL.",
       "Add a bucket policy statement: Effect Deny, Principal *, Action s3:*, Resource [bucket "
       "ARN, "
       "bucket ARN/*], Condition Bool aws:SecureTransport false (CDK: enforceSSL: true).",
       s10});
}

}  // namespace sluice::scan::aws
