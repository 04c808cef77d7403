// CloudFront and Elastic Load Balancing rules.
#include <cctype>
#include <optional>

#include "scan/aws_solutions/rule.h"

namespace sluice::scan::aws {
namespace {

Outcome cfr1(const RuleContext& ctx, const Resource& res) {
  const CfnNode* r = ctx.prop(res, "DistributionConfig.Restrictions");
  if (!r) return Outcome::fail("DistributionConfig.Restrictions is not set");
  const CfnNode* geo = ctx.r(r, "GeoRestriction");
  if (!geo) throw UnknownValue{"Restrictions without GeoRestriction"};
  return Outcome::when(ctx.p(ctx.r(geo, "RestrictionType")).eq("none"),
                       "GeoRestriction.RestrictionType is none");
}

Outcome cfr2(const RuleContext& ctx, const Resource& res) {
  return Outcome::when(!ctx.prop(res, "DistributionConfig.WebACLId"),
                       "DistributionConfig.WebACLId is not set");
}

Outcome cfr3(const RuleContext& ctx, const Resource& res) {
  if (res.type == "AWS::CloudFront::Distribution") {
    return Outcome::when(!ctx.prop(res, "DistributionConfig.Logging"),
                         "DistributionConfig.Logging is not set");
  }
  const CfnNode* logging = ctx.prop(res, "StreamingDistributionConfig.Logging");
  if (!logging) return Outcome::fail("StreamingDistributionConfig.Logging is not set");
  return Outcome::when(ctx.p(ctx.r(logging, "Enabled")).falsy(), "Logging.Enabled is not true");
}

Outcome cfr4(const RuleContext& ctx, const Resource& res) {
  const CfnNode* cert = ctx.prop(res, "DistributionConfig.ViewerCertificate");
  if (!cert)
    return Outcome::fail("ViewerCertificate is not set (the default certificate allows TLSv1)");
  const CfnNode* def = ctx.r(cert, "CloudFrontDefaultCertificate");
  if (def && def->is_bool() && def->boolean)
    return Outcome::fail("the CloudFront default certificate allows TLSv1");
  auto text = [&](const char* key) -> std::optional<std::string> {
    const CfnNode* v = ctx.r(cert, key);
    if (!v) return std::nullopt;
    if (!v->is_scalar()) throw UnknownValue{std::string(key) + " is an intrinsic"};
    return lower(cfn::scalar_to_string(*v));
  };
  auto method = text("SslSupportMethod");
  if (!method || *method == "vip") return Outcome::fail("SslSupportMethod is not sni-only");
  auto version = text("MinimumProtocolVersion");
  if (!version || *version == "sslv3" || *version == "tlsv1" || *version == "tlsv1_2016") {
    return Outcome::fail("MinimumProtocolVersion is older than TLSv1.1_2016");
  }
  return Outcome::ok();
}

Outcome cfr5(const RuleContext& ctx, const Resource& res) {
  for (const CfnNode* origin : ctx.list(ctx.prop(res, "DistributionConfig.Origins"))) {
    const CfnNode* custom = ctx.r(origin, "CustomOriginConfig");
    if (!custom) continue;
    if (!ctx.p(ctx.r(custom, "OriginProtocolPolicy")).eq("https-only")) {
      return Outcome::fail("an origin's OriginProtocolPolicy is not https-only");
    }
    const CfnNode* protocols = ctx.r(custom, "OriginSSLProtocols");
    if (!protocols) return Outcome::fail("an origin does not set OriginSSLProtocols");
    for (const CfnNode* p : ctx.list(protocols)) {
      if (!p->is_string()) throw UnknownValue{"OriginSSLProtocols element is not a string"};
      std::string l = lower(p->text);
      if (l == "sslv3" || l == "tlsv1") return Outcome::fail("an origin allows " + p->text);
    }
  }
  return Outcome::ok();
}

Outcome cfr6(const RuleContext& ctx, const Resource& res) {
  const CfnNode* oai = ctx.prop(res, "StreamingDistributionConfig.S3Origin.OriginAccessIdentity");
  if (!oai || !oai->is_scalar())
    throw UnknownValue{"OriginAccessIdentity is missing or an intrinsic"};
  std::string s = cfn::scalar_to_string(*oai);
  bool blank = true;
  for (char c : s) blank = blank && std::isspace(static_cast<unsigned char>(c));
  return Outcome::when(blank, "S3Origin.OriginAccessIdentity is empty");
}

Outcome cfr7(const RuleContext& ctx, const Resource& res) {
  for (const CfnNode* origin : ctx.list(ctx.prop(res, "DistributionConfig.Origins"))) {
    auto domain = ctx.link(ctx.r(origin, "DomainName"));
    if (!domain) continue;
    const Resource* bucket = ctx.tmpl().find(*domain);
    if (!bucket || bucket->type != "AWS::S3::Bucket") continue;
    const CfnNode* oac = ctx.r(origin, "OriginAccessControlId");
    if (!oac) return Outcome::fail("S3 origin " + *domain + " has no OriginAccessControlId");
    auto id = ctx.link(oac);
    if (!id) throw UnknownValue{"OriginAccessControlId is an intrinsic"};
    bool blank = true;
    for (char c : *id) blank = blank && std::isspace(static_cast<unsigned char>(c));
    if (blank) return Outcome::fail("S3 origin " + *domain + " has an empty OriginAccessControlId");
  }
  return Outcome::ok();
}

std::vector<const CfnNode*> listeners(const RuleContext& ctx, const Resource& res) {
  const CfnNode* l = ctx.prop(res, "Listeners");
  if (!l) throw UnknownValue{"Listeners is missing"};
  return ctx.list(l);
}

Outcome elb1(const RuleContext& ctx, const Resource& res) {
  for (const CfnNode* l : listeners(ctx, res)) {
    Prim p = ctx.p(ctx.r(l, "Protocol"));
    if (p.absent()) throw UnknownValue{"listener without Protocol"};
    if (p.lower() == "http" || p.lower() == "https")
      return Outcome::fail("the Classic Load Balancer serves " + p.str());
  }
  return Outcome::ok();
}

Outcome elb2(const RuleContext& ctx, const Resource& res) {
  if (res.type == "AWS::ElasticLoadBalancing::LoadBalancer") {
    const CfnNode* p = ctx.prop(res, "AccessLoggingPolicy");
    if (!p) return Outcome::fail("AccessLoggingPolicy is not set");
    return Outcome::when(ctx.p(ctx.r(p, "Enabled")).loose_false(),
                         "AccessLoggingPolicy.Enabled is false");
  }
  for (const CfnNode* attr : ctx.list(ctx.prop(res, "LoadBalancerAttributes"))) {
    const CfnNode* k = ctx.r(attr, "Key");
    const CfnNode* v = ctx.r(attr, "Value");
    if (k && k->is_string() && k->text == "access_logs.s3.enabled" && v &&
        ((v->is_string() && v->text == "true") || (v->is_bool() && v->boolean))) {
      return Outcome::ok();
    }
  }
  return Outcome::fail("LoadBalancerAttributes does not set access_logs.s3.enabled to true");
}

Outcome elb3(const RuleContext& ctx, const Resource& res) {
  const CfnNode* p = ctx.prop(res, "ConnectionDrainingPolicy");
  if (!p) return Outcome::fail("ConnectionDrainingPolicy is not set");
  return Outcome::when(!ctx.p(ctx.r(p, "Enabled")).is_true(),
                       "ConnectionDrainingPolicy.Enabled is not true");
}

Outcome elb4(const RuleContext& ctx, const Resource& res) {
  if (!ctx.prop(res, "CrossZone")) return Outcome::fail("CrossZone is not set");
  auto count = [&](const CfnNode* n) -> size_t {
    if (!n) return 0;
    return n->is_array() ? n->items.size() : 1;  // a whole-list intrinsic counts as one
  };
  const CfnNode* subnets = ctx.prop(res, "Subnets");
  if (!subnets) {
    if (count(ctx.prop(res, "AvailabilityZones")) < 2)
      return Outcome::fail("fewer than 2 availability zones");
  } else if (count(subnets) < 2) {
    return Outcome::fail("fewer than 2 subnets");
  }
  return Outcome::when(!ctx.pp(res, "CrossZone").is_true(), "CrossZone is not true");
}

Outcome elb5(const RuleContext& ctx, const Resource& res) {
  for (const CfnNode* l : listeners(ctx, res)) {
    Prim p = ctx.p(ctx.r(l, "Protocol"));
    Prim ip = ctx.p(ctx.r(l, "InstanceProtocol"));
    if (p.absent()) throw UnknownValue{"listener without Protocol"};
    std::string proto = p.lower();
    if ((proto == "ssl" || proto == "https") && ip.present && ip.lower() != proto) {
      return Outcome::fail("listener terminates " + p.str() + " but talks " + ip.str() +
                           " to instances");
    }
  }
  return Outcome::ok();
}

}  // namespace

void add_cloudfront_elb_rules(std::vector<RuleDef>& rules) {
  const std::vector<std::string> dist{"AWS::CloudFront::Distribution"};
  rules.push_back(
      {"CFR1", Level::kWarning, dist, "The CloudFront distribution has no geo restrictions.",
       "Set DistributionConfig.Restrictions.GeoRestriction (whitelist or blacklist).", cfr1});
  rules.push_back({"CFR2", Level::kWarning, dist,
                   "The CloudFront distribution is not protected by AWS WAF.",
                   "Set DistributionConfig.WebACLId to a WAFv2 web ACL ARN.", cfr2});
  rules.push_back({"CFR3",
                   Level::kError,
                   {"AWS::CloudFront::Distribution", "AWS::CloudFront::StreamingDistribution"},
                   "The CloudFront distribution has access logging disabled.",
                   "Set DistributionConfig.Logging {Bucket: <log bucket domain>}.",
                   cfr3});
  rules.push_back(
      {"CFR4", Level::kError, dist,
       "The CloudFront distribution allows outdated TLS versions for viewers.",
       "Use a custom ViewerCertificate with SslSupportMethod: sni-only and MinimumProtocolVersion: "
       "TLSv1.2_2021.",
       cfr4});
  rules.push_back(
      {"CFR5", Level::kError, dist,
       "The CloudFront distribution talks to origins with outdated TLS.",
       "Set CustomOriginConfig.OriginProtocolPolicy: https-only and OriginSSLProtocols: [TLSv1.2].",
       cfr5});
  rules.push_back({"CFR6",
                   Level::kError,
                   {"AWS::CloudFront::StreamingDistribution"},
                   "The streaming distribution's S3 origin does not use an origin access identity.",
                   "Set S3Origin.OriginAccessIdentity.",
                   cfr6});
  rules.push_back({"CFR7", Level::kError, dist,
                   "An S3 origin of the distribution does not use origin access control.",
                   "Set Origins[].OriginAccessControlId: !GetAtt <OAC>.Id for S3 bucket origins.",
                   cfr7});
  const std::vector<std::string> clb{"AWS::ElasticLoadBalancing::LoadBalancer"};
  rules.push_back(
      {"ELB1", Level::kError, clb, "A Classic Load Balancer is used for HTTP/HTTPS traffic.",
       "Use an Application Load Balancer (AWS::ElasticLoadBalancingV2::LoadBalancer).", elb1});
  rules.push_back(
      {"ELB2",
       Level::kError,
       {"AWS::ElasticLoadBalancing::LoadBalancer", "AWS::ElasticLoadBalancingV2::LoadBalancer"},
       "The load balancer has access logging disabled.",
       "ELBv2: LoadBalancerAttributes [{Key: access_logs.s3.enabled, Value: \"true\"}, "
       "access_logs.s3.bucket]; "
       "CLB: AccessLoggingPolicy.Enabled: true.",
       elb2});
  rules.push_back({"ELB3", Level::kError, clb,
                   "The Classic Load Balancer has connection draining disabled.",
                   "Set ConnectionDrainingPolicy.Enabled: true.", elb3});
  rules.push_back(
      {"ELB4", Level::kError, clb,
       "The Classic Load Balancer is not cross-zone across at least two availability zones.",
       "Set CrossZone: true and at least two Subnets or AvailabilityZones.", elb4});
  rules.push_back(
      {"ELB5", Level::kError, clb, "A Classic Load Balancer listener is not secure end to end.",
       "Use the same secure protocol (SSL/HTTPS) for InstanceProtocol as for Protocol.", elb5});
}

}  // namespace sluice::scan::aws
