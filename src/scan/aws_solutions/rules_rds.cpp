// RDS / Aurora: RDS2, RDS3, RDS6, RDS8, RDS10, RDS11, RDS13, RDS14, RDS16.
#include <algorithm>

#include "scan/aws_solutions/rule.h"

namespace sluice::scan::aws {
namespace {

bool is_cluster(const Resource& res) {
  return res.type == "AWS::RDS::DBCluster";
}

// Engine in D mode: an undecidable intrinsic is opaque and never "aurora".
bool engine_is_aurora_d(const RuleContext& ctx, const Resource& res) {
  const CfnNode* e = ctx.prop(res, "Engine");
  return e && e->is_string() && lower(e->text).find("aurora") != std::string::npos;
}

Outcome rds2(const RuleContext& ctx, const Resource& res) {
  if (is_cluster(res)) {
    if (!ctx.prop(res, "StorageEncrypted")) return Outcome::fail("StorageEncrypted is not set");
    return Outcome::when(ctx.pp(res, "StorageEncrypted").loose_false(),
                         "StorageEncrypted is false");
  }
  Prim enc = ctx.pp(res, "StorageEncrypted");
  return Outcome::when((enc.absent() || enc.loose_false()) && !engine_is_aurora_d(ctx, res),
                       "StorageEncrypted is not true");
}

Outcome rds3(const RuleContext& ctx, const Resource& res) {
  Prim multi = ctx.pp(res, "MultiAZ");
  Prim engine = ctx.pp(res, "Engine");
  return Outcome::when(multi.falsy() && engine.lower().find("aurora") == std::string::npos,
                       "MultiAZ is not true");
}

Outcome rds6(const RuleContext& ctx, const Resource& res) {
  const CfnNode* e = ctx.prop(res, "Engine");
  if (!e || (e->is_string() && e->text.empty())) return Outcome::na();
  if (!engine_is_aurora_d(ctx, res)) return Outcome::ok();
  if (!ctx.prop(res, "EnableIAMDatabaseAuthentication"))
    return Outcome::fail("EnableIAMDatabaseAuthentication is not set");
  return Outcome::when(ctx.pp(res, "EnableIAMDatabaseAuthentication").loose_false(),
                       "EnableIAMDatabaseAuthentication is false");
}

Outcome rds8(const RuleContext& ctx, const Resource& res) {
  auto open = [&](const CfnNode* entry) {
    Prim cidr = ctx.p(ctx.r(entry, "CIDRIP"));
    return cidr.present && cidr.str().find("/0") != std::string::npos;
  };
  if (res.type == "AWS::RDS::DBSecurityGroupIngress")
    return Outcome::when(open(res.properties), "CIDRIP is open to the world");
  for (const CfnNode* entry : ctx.list(ctx.prop(res, "DBSecurityGroupIngress"))) {
    if (open(entry)) return Outcome::fail("DBSecurityGroupIngress allows 0.0.0.0/0");
  }
  return Outcome::ok();
}

Outcome rds10(const RuleContext& ctx, const Resource& res) {
  if (is_cluster(res)) {
    if (!ctx.prop(res, "DeletionProtection")) return Outcome::fail("DeletionProtection is not set");
    return Outcome::when(ctx.pp(res, "DeletionProtection").loose_false(),
                         "DeletionProtection is false");
  }
  Prim dp = ctx.pp(res, "DeletionProtection");
  Prim engine = ctx.pp(res, "Engine");
  return Outcome::when(
      (dp.absent() || dp.loose_false()) && engine.lower().find("aurora") == std::string::npos,
      "DeletionProtection is not true");
}

Outcome rds11(const RuleContext& ctx, const Resource& res) {
  if (is_cluster(res)) {
    if (!ctx.prop(res, "Port"))
      return Outcome::fail("Port is not set, so the engine's default port is used");
    Prim port = ctx.pp(res, "Port");
    Prim engine = ctx.pp(res, "Engine");
    if (engine.absent()) throw UnknownValue{"Engine is missing"};
    Prim mode = ctx.pp(res, "EngineMode");
    std::string e = engine.lower();
    if (mode.absent() || mode.eq("provisioned")) {
      return Outcome::when(e.find("aurora") != std::string::npos && port.eq_num(3306),
                           "Port is the default 3306");
    }
    bool bad = ((e == "aurora" || e == "aurora-mysql") && port.eq_num(3306)) ||
               (e == "aurora-postgresql" && port.eq_num(5432));
    return Outcome::when(bad, "Port is the engine's default port");
  }
  if (!ctx.prop(res, "Engine")) return Outcome::fail("Engine is not set");
  Prim port = ctx.pp(res, "Port");
  std::string e = ctx.pp(res, "Engine").lower();
  if (port.absent())
    return Outcome::when(e.find("aurora") == std::string::npos,
                         "Port is not set, so the default port is used");
  bool bad = ((e == "mariadb" || e == "mysql") && port.eq_num(3306)) ||
             (e == "postgres" && port.eq_num(5432)) ||
             (e.find("oracle") != std::string::npos && port.eq_num(1521)) ||
             (e.find("sqlserver") != std::string::npos && port.eq_num(1433));
  return Outcome::when(bad, "Port is the engine's default port " + port.str());
}

Outcome rds13(const RuleContext& ctx, const Resource& res) {
  Prim b = ctx.pp(res, "BackupRetentionPeriod");
  return Outcome::when(b.present && b.num() <= 0, "BackupRetentionPeriod is 0");
}

Outcome rds14(const RuleContext& ctx, const Resource& res) {
  Prim engine = ctx.pp(res, "Engine");
  if (engine.absent()) throw UnknownValue{"Engine is missing"};
  Prim window = ctx.pp(res, "BacktrackWindow");
  std::string e = engine.lower();
  if (e != "aurora" && e != "aurora-mysql") return Outcome::ok();
  return Outcome::when(window.absent() || window.eq_num(0), "BacktrackWindow is not set");
}

Outcome rds16(const RuleContext& ctx, const Resource& res) {
  Prim engine = ctx.pp(res, "Engine");
  if (engine.absent()) throw UnknownValue{"Engine is missing"};
  Prim mode = ctx.pp(res, "EngineMode");
  std::string e = engine.lower();
  if (mode.lower() != "serverless" || (e != "aurora" && e != "aurora-mysql"))
    return Outcome::granular({});
  std::vector<std::string> enabled;
  for (const CfnNode* x : ctx.list(ctx.prop(res, "EnableCloudwatchLogsExports"))) {
    if (x->is_string()) enabled.push_back(x->text);
  }
  std::vector<std::string> findings;
  for (const char* log : {"audit", "error", "general", "slowquery"}) {
    if (std::find(enabled.begin(), enabled.end(), log) == enabled.end())
      findings.push_back(std::string("LogExport::") + log);
  }
  return Outcome::granular(findings);
}

}  // namespace

void add_rds_rules(std::vector<RuleDef>& rules) {
  const std::vector<std::string> both{"AWS::RDS::DBCluster", "AWS::RDS::DBInstance"};
  rules.push_back({"RDS2", Level::kError, both,
                   "The RDS instance or Aurora cluster storage is not encrypted.",
                   "Set StorageEncrypted: true.", rds2});
  rules.push_back({"RDS3",
                   Level::kError,
                   {"AWS::RDS::DBInstance"},
                   "The non-Aurora RDS instance is not Multi-AZ.",
                   "Set MultiAZ: true.",
                   rds3});
  rules.push_back({"RDS6",
                   Level::kError,
                   {"AWS::RDS::DBCluster"},
                   "The Aurora cluster does not use IAM database authentication.",
                   "Set EnableIAMDatabaseAuthentication: true.",
                   rds6});
  rules.push_back({"RDS8",
                   Level::kError,
                   {"AWS::RDS::DBSecurityGroup", "AWS::RDS::DBSecurityGroupIngress"},
                   "The RDS DB security group allows inbound traffic from 0.0.0.0/0.",
                   "Restrict CIDRIP to known address ranges.",
                   rds8});
  rules.push_back({"RDS10", Level::kError, both, "Deletion protection is disabled.",
                   "Set DeletionProtection: true.", rds10});
  rules.push_back({"RDS11", Level::kError, both,
                   "The database listens on the engine's default port.",
                   "Set Port to a non-default value (not 3306/5432/1521/1433).", rds11});
  rules.push_back({"RDS13",
                   Level::kError,
                   {"AWS::RDS::DBInstance"},
                   "Automated backups are disabled.",
                   "Set BackupRetentionPeriod to 1 or more days.",
                   rds13});
  rules.push_back({"RDS14",
                   Level::kError,
                   {"AWS::RDS::DBCluster"},
                   "The Aurora MySQL cluster has no backtrack window.",
                   "Set BacktrackWindow (seconds, e.g. 86400).",
                   rds14});
  rules.push_back({"RDS16",
                   Level::kError,
                   {"AWS::RDS::DBCluster"},
                   "The Aurora MySQL Serverless cluster does not export all logs to CloudWatch.",
                   "Set EnableCloudwatchLogsExports: [audit, error, general, slowquery].",
                   rds16,
                   true});
}

}  // namespace sluice::scan::aws
