// Data stores: EFS, ElastiCache, Neptune, Redshift, DocumentDB, OpenSearch/Elasticsearch.
#include <algorithm>
#include <memory>

#include "scan/aws_solutions/policy.h"
#include "scan/aws_solutions/rule.h"

namespace sluice::scan::aws {
namespace {

// "absent -> Non-Compliant; P falsy -> Non-Compliant" appears in many rules.
Outcome require_truthy(const RuleContext& ctx, const Resource& res, const char* path) {
  if (!ctx.prop(res, path)) return Outcome::fail(std::string(path) + " is not set");
  return Outcome::when(ctx.pp(res, path).falsy(), std::string(path) + " is not true");
}

bool d_absent_or_empty(const RuleContext& ctx, const Resource& res, const char* path) {
  const CfnNode* v = ctx.prop(res, path);
  return !v || (v->is_string() && v->text.empty());
}

Outcome efs1(const RuleContext& ctx, const Resource& res) {
  Prim e = ctx.pp(res, "Encrypted");
  return Outcome::when(e.present && ((e.value.is_bool() && !e.value.boolean) || e.eq("false")),
                       "Encrypted is false");
}

Outcome aec1(const RuleContext& ctx, const Resource& res) {
  return Outcome::when(d_absent_or_empty(ctx, res, "CacheSubnetGroupName"),
                       "CacheSubnetGroupName is not set");
}

Outcome aec3(const RuleContext& ctx, const Resource& res) {
  if (!ctx.prop(res, "AtRestEncryptionEnabled") || !ctx.prop(res, "TransitEncryptionEnabled")) {
    return Outcome::fail("AtRestEncryptionEnabled and TransitEncryptionEnabled must both be set");
  }
  Prim rest = ctx.pp(res, "AtRestEncryptionEnabled");
  Prim transit = ctx.pp(res, "TransitEncryptionEnabled");
  return Outcome::when(rest.loose_false() || transit.loose_false(),
                       "encryption at rest or in transit is false");
}

Outcome aec4(const RuleContext& ctx, const Resource& res) {
  return require_truthy(ctx, res, "MultiAZEnabled");
}

Outcome aec5(const RuleContext& ctx, const Resource& res) {
  Prim port = ctx.pp(res, "Port");
  if (port.absent()) return Outcome::fail("Port is not set, so the default port is used");
  Prim engine = ctx.pp(res, "Engine");
  if (res.type == "AWS::ElastiCache::CacheCluster") {
    if (engine.absent()) throw UnknownValue{"Engine is missing"};
    std::string e = engine.lower();
    return Outcome::when(
        (e == "redis" && port.eq_num(6379)) || (e == "memcached" && port.eq_num(11211)),
        "Port is the engine's default port");
  }
  return Outcome::when((engine.absent() || engine.lower() == "redis") && port.eq_num(6379),
                       "Port is the default 6379");
}

Outcome aec6(const RuleContext& ctx, const Resource& res) {
  return Outcome::when(d_absent_or_empty(ctx, res, "AuthToken"), "AuthToken is not set");
}

Outcome n1(const RuleContext& ctx, const Resource& res) {
  if (!ctx.prop(res, "DBSubnetGroupName")) return Outcome::fail("DBSubnetGroupName is not set");
  const CfnNode* azs = ctx.prop(res, "AvailabilityZones");
  return Outcome::when(azs && azs->is_array() && azs->items.size() < 2,
                       "fewer than 2 availability zones");
}

Outcome n3(const RuleContext& ctx, const Resource& res) {
  Prim b = ctx.pp(res, "BackupRetentionPeriod");
  return Outcome::when(b.absent() || b.num() < 7, "BackupRetentionPeriod is below 7 days");
}

// --- Redshift ---
const Resource* linked_parameter_group(const RuleContext& ctx, const Resource& res, bool& named) {
  auto name = ctx.link(ctx.prop(res, "ClusterParameterGroupName"));
  named = ctx.prop(res, "ClusterParameterGroupName") != nullptr;
  if (!name) return nullptr;
  const Resource* g = ctx.tmpl().find(*name);
  return g && g->type == "AWS::Redshift::ClusterParameterGroup" ? g : nullptr;
}

Outcome rs1(const RuleContext& ctx, const Resource& res) {
  bool named = false;
  const Resource* g = linked_parameter_group(ctx, res, named);
  if (!named) return Outcome::fail("ClusterParameterGroupName is not set");
  if (!g) return Outcome::fail("no parameter group in the template sets require_ssl");
  for (const CfnNode* p : ctx.list(ctx.prop(*g, "Parameters"))) {
    const CfnNode* n = ctx.r(p, "ParameterName");
    const CfnNode* v = ctx.r(p, "ParameterValue");
    if (!n || !v || !n->is_scalar() || !v->is_scalar())
      throw UnknownValue{"parameter name or value is not a string"};
    if (lower(cfn::scalar_to_string(*n)) == "require_ssl" &&
        lower(cfn::scalar_to_string(*v)) == "true") {
      return Outcome::ok();
    }
  }
  return Outcome::fail("parameter group " + g->logical_id + " does not set require_ssl to true");
}

Outcome rs11(const RuleContext& ctx, const Resource& res) {
  bool named = false;
  const Resource* g = linked_parameter_group(ctx, res, named);
  if (!named) return Outcome::fail("ClusterParameterGroupName is not set");
  if (!g) return Outcome::fail("no parameter group in the template enables user activity logging");
  for (const CfnNode* p : ctx.list(ctx.prop(*g, "Parameters"))) {
    const CfnNode* n = ctx.r(p, "ParameterName");
    const CfnNode* v = ctx.r(p, "ParameterValue");
    if (n && v && n->is_string() && v->is_string() && n->text == "enable_user_activity_logging" &&
        v->text == "true") {
      return Outcome::ok();
    }
  }
  return Outcome::fail("parameter group " + g->logical_id +
                       " does not set enable_user_activity_logging to true");
}

Outcome rs2(const RuleContext& ctx, const Resource& res) {
  return Outcome::when(d_absent_or_empty(ctx, res, "ClusterSubnetGroupName"),
                       "ClusterSubnetGroupName is not set");
}
Outcome rs3(const RuleContext& ctx, const Resource& res) {
  return Outcome::when(ctx.pp(res, "MasterUsername").eq("awsuser"),
                       "MasterUsername is the default awsuser");
}
Outcome rs4(const RuleContext& ctx, const Resource& res) {
  Prim p = ctx.pp(res, "Port");
  return Outcome::when(p.absent() || p.eq_num(5439), "Port is the default 5439");
}
Outcome rs5(const RuleContext& ctx, const Resource& res) {
  return Outcome::when(!ctx.prop(res, "LoggingProperties"), "LoggingProperties is not set");
}
Outcome rs6(const RuleContext& ctx, const Resource& res) {
  return require_truthy(ctx, res, "Encrypted");
}
Outcome rs8(const RuleContext& ctx, const Resource& res) {
  return Outcome::when(ctx.pp(res, "PubliclyAccessible").is_true(), "PubliclyAccessible is true");
}
Outcome rs9(const RuleContext& ctx, const Resource& res) {
  Prim v = ctx.pp(res, "AllowVersionUpgrade");
  return Outcome::when(v.present && ((v.value.is_bool() && !v.value.boolean) || v.eq("false")),
                       "AllowVersionUpgrade is false");
}
Outcome rs10(const RuleContext& ctx, const Resource& res) {
  Prim v = ctx.pp(res, "AutomatedSnapshotRetentionPeriod");
  return Outcome::when(v.present && v.eq_num(0), "AutomatedSnapshotRetentionPeriod is 0");
}

// --- DocumentDB ---
Outcome doc2(const RuleContext& ctx, const Resource& res) {
  Prim p = ctx.pp(res, "Port");
  return Outcome::when(p.absent() || p.eq_num(27017), "Port is the default 27017");
}
Outcome doc3(const RuleContext& ctx, const Resource& res) {
  Prim user = ctx.pp(res, "MasterUsername");
  Prim pass = ctx.pp(res, "MasterUserPassword");
  if (user.absent() || pass.absent())
    throw UnknownValue{"MasterUsername or MasterUserPassword is missing"};
  bool ok = user.str().find("{{resolve:secretsmanager") != std::string::npos &&
            pass.str().find("{{resolve:secretsmanager") != std::string::npos;
  return Outcome::when(!ok, "credentials are not dynamic references to Secrets Manager");
}
Outcome doc4(const RuleContext& ctx, const Resource& res) {
  return n3(ctx, res);
}
Outcome doc5(const RuleContext& ctx, const Resource& res) {
  const CfnNode* exports = ctx.prop(res, "EnableCloudwatchLogsExports");
  std::vector<std::string> enabled;
  if (exports && exports->is_array()) {
    for (const CfnNode& e : exports->items) {
      if (e.is_string()) enabled.push_back(e.text);
    }
  }
  std::vector<std::string> findings;
  for (const char* log : {"authenticate", "createIndex", "dropCollection"}) {
    if (std::find(enabled.begin(), enabled.end(), log) == enabled.end())
      findings.push_back(std::string("LogExport::") + log);
  }
  return Outcome::granular(findings);
}

// --- OpenSearch / Elasticsearch ---
bool is_elasticsearch(const Resource& res) {
  return res.type == "AWS::Elasticsearch::Domain";
}

// The domain's access policy: from CDK's access-policy custom resource when present,
// else the AccessPolicies property. Returns nullptr when there is none.
const CfnNode* access_policy(const RuleContext& ctx, const Resource& res,
                             std::unique_ptr<CfnNode>& holder) {
  if (!res.cdk_path.empty()) {
    std::string base = res.cdk_path;
    if (base.ends_with("/Resource")) base.resize(base.size() - 9);
    std::string want = base + (is_elasticsearch(res) ? "/ESAccessPolicy/Resource/Default"
                                                     : "/AccessPolicy/Resource/Default");
    for (const Resource& r : ctx.tmpl().resources) {
      if (r.cdk_path != want) continue;
      const CfnNode* update = ctx.r(r.properties, "Update");
      const CfnNode* join = update ? update->get("Fn::Join") : nullptr;
      if (!join || !join->is_array() || join->items.size() != 2 || !join->items[1].is_array()) {
        throw UnknownValue{"access policy custom resource Update is not a Fn::Join"};
      }
      std::string text;
      for (const CfnNode& part : join->items[1].items)
        text += part.is_string() ? part.text : "[object Object]";
      auto outer = cfn::parse_document(text, "");
      const CfnNode* ap = outer ? outer->path("parameters.AccessPolicies") : nullptr;
      if (!ap || !ap->is_string())
        throw UnknownValue{"access policy custom resource is not valid JSON"};
      auto inner = cfn::parse_document(ap->text, "");
      if (!inner) throw UnknownValue{"access policy is not valid JSON"};
      holder = std::make_unique<CfnNode>(std::move(*inner));
      return holder.get();
    }
  }
  return ctx.prop(res, "AccessPolicies");
}

Outcome os1(const RuleContext& ctx, const Resource& res) {
  const CfnNode* vpc = ctx.prop(res, "VPCOptions");
  if (!vpc) return Outcome::fail("VPCOptions is not set");
  const CfnNode* subnets = ctx.r(vpc, "SubnetIds");
  return Outcome::when(!subnets || (subnets->is_array() && subnets->items.empty()),
                       "VPCOptions.SubnetIds is empty");
}
Outcome os2(const RuleContext& ctx, const Resource& res) {
  if (!ctx.prop(res, "NodeToNodeEncryptionOptions"))
    return Outcome::fail("NodeToNodeEncryptionOptions is not set");
  return Outcome::when(!ctx.pp(res, "NodeToNodeEncryptionOptions.Enabled").is_true(),
                       "NodeToNodeEncryptionOptions.Enabled is not true");
}
Outcome os3(const RuleContext& ctx, const Resource& res) {
  std::unique_ptr<CfnNode> holder;
  const CfnNode* policy = access_policy(ctx, res, holder);
  const CfnNode* st = policy ? ctx.r(policy, "Statement") : nullptr;
  if (!st || (st->is_array() && st->items.empty()))
    return Outcome::fail("no access policy restricts source IPs");
  for (const CfnNode* s : policy_statements(ctx, policy)) {
    if (statement_effect(ctx, s) != "Allow") continue;
    const CfnNode* ips = ctx.r(s, "Condition.IpAddress");
    const CfnNode* ip = ips ? ips->get("aws:sourceIp") : nullptr;
    if (!ip || (ip->is_array() && ip->items.empty()) || (ip->is_string() && ip->text.empty())) {
      return Outcome::fail("an Allow statement has no Condition.IpAddress aws:sourceIp allow-list");
    }
  }
  return Outcome::ok();
}
Outcome os4(const RuleContext& ctx, const Resource& res) {
  const char* cfg = is_elasticsearch(res) ? "ElasticsearchClusterConfig" : "ClusterConfig";
  const CfnNode* c = ctx.prop(res, cfg);
  if (!c) return Outcome::fail(std::string(cfg) + " is not set");
  return Outcome::when(ctx.p(ctx.r(c, "DedicatedMasterEnabled")).falsy(),
                       "DedicatedMasterEnabled is not true");
}
Outcome os5(const RuleContext& ctx, const Resource& res) {
  std::unique_ptr<CfnNode> holder;
  const CfnNode* policy = access_policy(ctx, res, holder);
  const CfnNode* st = policy ? ctx.r(policy, "Statement") : nullptr;
  if (!st || (st->is_array() && st->items.empty())) return Outcome::fail("no access policy is set");
  for (const CfnNode* s : policy_statements(ctx, policy)) {
    if (statement_effect(ctx, s) == "Allow" && principal_json_has_star(ctx, s)) {
      return Outcome::fail("the access policy allows anonymous principals (*)");
    }
  }
  return Outcome::ok();
}
Outcome os7(const RuleContext& ctx, const Resource& res) {
  const char* cfg = is_elasticsearch(res) ? "ElasticsearchClusterConfig" : "ClusterConfig";
  const CfnNode* c = ctx.prop(res, cfg);
  if (!c) return Outcome::fail(std::string(cfg) + " is not set");
  return Outcome::when(ctx.p(ctx.r(c, "ZoneAwarenessEnabled")).falsy(),
                       "ZoneAwarenessEnabled is not true");
}
Outcome os8(const RuleContext& ctx, const Resource& res) {
  if (!ctx.prop(res, "EncryptionAtRestOptions"))
    return Outcome::fail("EncryptionAtRestOptions is not set");
  return Outcome::when(!ctx.pp(res, "EncryptionAtRestOptions.Enabled").is_true(),
                       "EncryptionAtRestOptions.Enabled is not true");
}
Outcome os9(const RuleContext& ctx, const Resource& res) {
  std::vector<std::string> findings;
  for (const char* key : {"SEARCH_SLOW_LOGS", "INDEX_SLOW_LOGS"}) {
    const CfnNode* opt = ctx.prop(res, "LogPublishingOptions");
    const CfnNode* entry = opt ? ctx.r(opt, key) : nullptr;
    if (!entry || ctx.p(ctx.r(entry, "Enabled")).falsy())
      findings.push_back(std::string("LogExport::") + key);
  }
  return Outcome::granular(findings);
}

}  // namespace

void add_data_rules(std::vector<RuleDef>& rules) {
  rules.push_back({"EFS1",
                   Level::kError,
                   {"AWS::EFS::FileSystem"},
                   "The EFS file system is not encrypted at rest.",
                   "Set Encrypted: true (or leave it unset).",
                   efs1});
  const std::vector<std::string> cache{"AWS::ElastiCache::CacheCluster",
                                       "AWS::ElastiCache::ReplicationGroup"};
  const std::vector<std::string> group{"AWS::ElastiCache::ReplicationGroup"};
  rules.push_back({"AEC1", Level::kError, cache, "The ElastiCache cluster is not in a VPC.",
                   "Set CacheSubnetGroupName to a subnet group of your VPC.", aec1});
  rules.push_back({"AEC3", Level::kError, group,
                   "The Redis replication group does not encrypt in transit and at rest.",
                   "Set AtRestEncryptionEnabled: true and TransitEncryptionEnabled: true.", aec3});
  rules.push_back({"AEC4", Level::kError, group, "The Redis replication group is not Multi-AZ.",
                   "Set MultiAZEnabled: true.", aec4});
  rules.push_back({"AEC5", Level::kError, cache,
                   "The ElastiCache cluster uses the engine's default port.",
                   "Set Port to a non-default value (not 6379/11211).", aec5});
  rules.push_back(
      {"AEC6", Level::kError, group, "The Redis replication group does not use Redis AUTH.",
       "Set AuthToken to a Secrets Manager dynamic reference ({{resolve:secretsmanager:...}}).",
       aec6});
  rules.push_back({"N1",
                   Level::kError,
                   {"AWS::Neptune::DBCluster"},
                   "The Neptune cluster is not Multi-AZ.",
                   "Set DBSubnetGroupName and at least two AvailabilityZones.",
                   n1});
  rules.push_back({"N2",
                   Level::kError,
                   {"AWS::Neptune::DBInstance"},
                   "The Neptune instance does not upgrade minor versions automatically.",
                   "Set AutoMinorVersionUpgrade: true.",
                   [](const RuleContext& c, const Resource& r) {
                     return require_truthy(c, r, "AutoMinorVersionUpgrade");
                   }});
  rules.push_back({"N3",
                   Level::kError,
                   {"AWS::Neptune::DBCluster"},
                   "The Neptune cluster keeps backups for less than 7 days.",
                   "Set BackupRetentionPeriod: 7 or more.",
                   n3});
  rules.push_back({"N4",
                   Level::kError,
                   {"AWS::Neptune::DBCluster"},
                   "The Neptune cluster is not encrypted at rest.",
                   "Set StorageEncrypted: true.",
                   [](const RuleContext& c, const Resource& r) {
                     return require_truthy(c, r, "StorageEncrypted");
                   }});
  rules.push_back({"N5",
                   Level::kError,
                   {"AWS::Neptune::DBCluster"},
                   "The Neptune cluster does not use IAM database authentication.",
                   "Set IamAuthEnabled: true.",
                   [](const RuleContext& c, const Resource& r) {
                     return require_truthy(c, r, "IamAuthEnabled");
                   }});
  const std::vector<std::string> rs{"AWS::Redshift::Cluster"};
  rules.push_back({"RS1", Level::kError, rs, "The Redshift cluster does not require TLS.",
                   "Link a ClusterParameterGroup with parameter require_ssl = true.", rs1});
  rules.push_back({"RS2", Level::kError, rs, "The Redshift cluster is not in a VPC.",
                   "Set ClusterSubnetGroupName.", rs2});
  rules.push_back({"RS3", Level::kError, rs,
                   "The Redshift cluster uses the default master user name.",
                   "Set MasterUsername to something other than awsuser.", rs3});
  rules.push_back({"RS4", Level::kError, rs, "The Redshift cluster uses the default port.",
                   "Set Port to a value other than 5439.", rs4});
  rules.push_back({"RS5", Level::kError, rs, "The Redshift cluster has audit logging disabled.",
                   "Set LoggingProperties {BucketName: <log bucket>}.", rs5});
  rules.push_back({"RS6", Level::kError, rs, "The Redshift cluster is not encrypted at rest.",
                   "Set Encrypted: true.", rs6});
  rules.push_back({"RS8", Level::kError, rs, "The Redshift cluster is publicly accessible.",
                   "Set PubliclyAccessible: false.", rs8});
  rules.push_back({"RS9", Level::kError, rs,
                   "The Redshift cluster does not allow version upgrades.",
                   "Set AllowVersionUpgrade: true.", rs9});
  rules.push_back({"RS10", Level::kError, rs,
                   "The Redshift cluster has automated snapshots disabled.",
                   "Set AutomatedSnapshotRetentionPeriod to 1 or more.", rs10});
  rules.push_back({"RS11", Level::kError, rs, "The Redshift cluster does not log user activity.",
                   "Link a ClusterParameterGroup with enable_user_activity_logging = \"true\".",
                   rs11});
  const std::vector<std::string> doc{"AWS::DocDB::DBCluster"};
  rules.push_back({"DOC1", Level::kError, doc, "The DocumentDB cluster is not encrypted at rest.",
                   "Set StorageEncrypted: true.", [](const RuleContext& c, const Resource& r) {
                     return require_truthy(c, r, "StorageEncrypted");
                   }});
  rules.push_back({"DOC2", Level::kError, doc, "The DocumentDB cluster uses the default port.",
                   "Set Port to a value other than 27017.", doc2});
  rules.push_back(
      {"DOC3", Level::kError, doc, "The DocumentDB credentials are not taken from Secrets Manager.",
       "Set MasterUsername/MasterUserPassword to {{resolve:secretsmanager:...}} references.",
       doc3});
  rules.push_back({"DOC4", Level::kError, doc,
                   "The DocumentDB cluster keeps backups for less than 7 days.",
                   "Set BackupRetentionPeriod: 7 or more.", doc4});
  rules.push_back(
      {"DOC5", Level::kError, doc, "The DocumentDB cluster does not export all logs to CloudWatch.",
       "List authenticate, createIndex and dropCollection in EnableCloudwatchLogsExports.", doc5,
       true});
  const std::vector<std::string> os{"AWS::OpenSearchService::Domain", "AWS::Elasticsearch::Domain"};
  rules.push_back({"OS1", Level::kError, os, "The OpenSearch domain is not in a VPC.",
                   "Set VPCOptions.SubnetIds.", os1});
  rules.push_back({"OS2", Level::kError, os,
                   "The OpenSearch domain has node-to-node encryption off.",
                   "Set NodeToNodeEncryptionOptions.Enabled: true.", os2});
  rules.push_back(
      {"OS3", Level::kError, os,
       "The OpenSearch domain does not restrict access to allow-listed IPs.",
       "Add Condition.IpAddress.aws:sourceIp to every Allow statement of the access policy.", os3});
  rules.push_back({"OS4", Level::kError, os, "The OpenSearch domain has no dedicated master nodes.",
                   "Set ClusterConfig.DedicatedMasterEnabled: true.", os4});
  rules.push_back({"OS5", Level::kError, os,
                   "The OpenSearch domain allows unsigned or anonymous access.",
                   "Name specific principals instead of '*' in the access policy.", os5});
  rules.push_back({"OS7", Level::kError, os, "The OpenSearch domain has zone awareness off.",
                   "Set ClusterConfig.ZoneAwarenessEnabled: true.", os7});
  rules.push_back({"OS8", Level::kError, os, "The OpenSearch domain is not encrypted at rest.",
                   "Set EncryptionAtRestOptions.Enabled: true.", os8});
  rules.push_back({"OS9", Level::kError, os,
                   "The OpenSearch domain does not publish slow logs to CloudWatch.",
                   "Enable LogPublishingOptions.SEARCH_SLOW_LOGS and INDEX_SLOW_LOGS.", os9, true});
}

}  // namespace sluice::scan::aws
