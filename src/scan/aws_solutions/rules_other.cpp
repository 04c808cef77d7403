// The remaining services: Timestream, Elastic Beanstalk, Lex, SageMaker, EMR, Glue,
// Kinesis, MSK, QuickSight, Step Functions, EventBridge, MediaStore, CodeBuild, Cloud9.
#include <cctype>
#include <memory>

#include "scan/aws_solutions/policy.h"
#include "scan/aws_solutions/rule.h"

namespace sluice::scan::aws {
namespace {

Outcome absent_fails(const RuleContext& ctx, const Resource& res, const char* path) {
  return Outcome::when(!ctx.prop(res, path), std::string(path) + " is not set");
}

// --- Elastic Beanstalk ---
bool has_option(const RuleContext& ctx, const Resource& res, const char* ns, const char* name,
                bool (*value_ok)(const CfnNode*)) {
  for (const CfnNode* o : ctx.list(ctx.prop(res, "OptionSettings"))) {
    const CfnNode* n = ctx.r(o, "Namespace");
    const CfnNode* k = ctx.r(o, "OptionName");
    if (n && k && n->is_string() && k->is_string() && n->text == ns && k->text == name &&
        value_ok(ctx.r(o, "Value"))) {
      return true;
    }
  }
  return false;
}
Outcome eb1(const RuleContext& ctx, const Resource& res) {
  if (!ctx.prop(res, "OptionSettings")) return Outcome::fail("OptionSettings is not set");
  return Outcome::when(
      !has_option(ctx, res, "aws:ec2:vpc", "VPCId", [](const CfnNode* v) { return v != nullptr; }),
      "no aws:ec2:vpc VPCId option");
}
Outcome eb3(const RuleContext& ctx, const Resource& res) {
  if (!ctx.prop(res, "OptionSettings")) return Outcome::fail("OptionSettings is not set");
  bool managed =
      has_option(ctx, res, "aws:elasticbeanstalk:managedactions", "ManagedActionsEnabled",
                 [](const CfnNode* v) { return !v || (v->is_string() && v->text == "true"); });
  bool level =
      has_option(ctx, res, "aws:elasticbeanstalk:managedactions:platformupdate", "UpdateLevel",
                 [](const CfnNode* v) {
                   return v && v->is_string() && (v->text == "minor" || v->text == "patch");
                 });
  return Outcome::when(!managed || !level, "managed platform updates are not enabled");
}
Outcome eb4(const RuleContext& ctx, const Resource& res) {
  if (!ctx.prop(res, "OptionSettings")) return Outcome::fail("OptionSettings is not set");
  return Outcome::when(
      !has_option(ctx, res, "aws:elasticbeanstalk:hostmanager", "LogPublicationControl",
                  [](const CfnNode* v) { return v && v->is_string() && v->text == "true"; }),
      "LogPublicationControl is not true");
}

// --- Lex ---
Outcome lex4(const RuleContext& ctx, const Resource& res) {
  const CfnNode* settings = ctx.prop(res, res.type == "AWS::Lex::BotAlias"
                                              ? "ConversationLogSettings"
                                              : "TestBotAliasSettings.ConversationLogSettings");
  if (!settings) return Outcome::ok();
  auto enabled = [&](const CfnNode* e) {
    const CfnNode* v = ctx.r(e, "Enabled");
    return v && v->is_bool() && v->boolean;
  };
  for (const CfnNode* a : ctx.list(ctx.r(settings, "AudioLogSettings"))) {
    if (!enabled(a)) continue;
    const CfnNode* s3 = ctx.r(a, "Destination.S3Bucket");
    if (!s3) throw UnknownValue{"enabled audio log without Destination.S3Bucket"};
    if (!ctx.r(s3, "KmsKeyArn"))
      return Outcome::fail("audio logs are not encrypted with a KMS key");
  }
  for (const CfnNode* t : ctx.list(ctx.r(settings, "TextLogSettings"))) {
    if (!enabled(t)) continue;
    const CfnNode* cw = ctx.r(t, "Destination.CloudWatch");
    if (!cw) throw UnknownValue{"enabled text log without Destination.CloudWatch"};
    auto id = ctx.link(ctx.r(cw, "CloudWatchLogGroupArn"));
    const Resource* group = id ? ctx.tmpl().find(*id) : nullptr;
    if (!group || group->type != "AWS::Logs::LogGroup")
      throw UnknownValue{"text log group is not in this template"};
    if (!ctx.prop(*group, "KmsKeyId"))
      return Outcome::fail("log group " + group->logical_id + " is not KMS-encrypted");
  }
  return Outcome::ok();
}

// --- SageMaker ---
Outcome sm3(const RuleContext& ctx, const Resource& res) {
  return Outcome::when(!ctx.pp(res, "DirectInternetAccess").eq("Disabled"),
                       "DirectInternetAccess is not Disabled");
}

// --- EMR ---
Outcome emr_encryption(const RuleContext& ctx, const Resource& res, const char* flag,
                       const char* provider_path) {
  auto ref = ctx.link(ctx.prop(res, "SecurityConfiguration"));
  if (!ctx.prop(res, "SecurityConfiguration"))
    return Outcome::fail("SecurityConfiguration is not set");
  for (const Resource* sc : ctx.tmpl().of_type("AWS::EMR::SecurityConfiguration")) {
    const CfnNode* name = ctx.prop(*sc, "Name");
    bool linked =
        ref && (*ref == sc->logical_id || (name && name->is_string() && name->text == *ref));
    if (!linked) continue;
    const CfnNode* cfg = ctx.prop(*sc, "SecurityConfiguration");
    if (!cfg || !cfg->is_object()) continue;
    const CfnNode* on = cfg->get(flag);
    if (on && on->is_bool() && on->boolean && cfg->path(provider_path)) return Outcome::ok();
  }
  return Outcome::fail(std::string("the linked security configuration does not set ") + flag);
}
Outcome emr4(const RuleContext& ctx, const Resource& res) {
  return emr_encryption(
      ctx, res, "EnableAtRestEncryption",
      "AtRestEncryptionConfiguration.LocalDiskEncryptionConfiguration.EncryptionKeyProviderType");
}
Outcome emr5(const RuleContext& ctx, const Resource& res) {
  return emr_encryption(
      ctx, res, "EnableInTransitEncryption",
      "InTransitEncryptionConfiguration.TLSCertificateConfiguration.CertificateProviderType");
}
Outcome emr6(const RuleContext& ctx, const Resource& res) {
  if (ctx.prop(res, "KerberosAttributes")) return Outcome::ok();
  const CfnNode* instances = ctx.prop(res, "Instances");
  if (!instances) throw UnknownValue{"Instances is missing"};
  return Outcome::when(!ctx.r(instances, "Ec2KeyName"),
                       "neither Kerberos nor an EC2 key pair is configured");
}

// --- Glue ---
Outcome glue_encryption(const RuleContext& ctx, const Resource& res, const char* path,
                        const char* want) {
  const char* prop =
      res.type == "AWS::Glue::Crawler" ? "CrawlerSecurityConfiguration" : "SecurityConfiguration";
  auto ref = ctx.link(ctx.prop(res, prop));
  if (!ctx.prop(res, prop)) return Outcome::fail(std::string(prop) + " is not set");
  for (const Resource* sc : ctx.tmpl().of_type("AWS::Glue::SecurityConfiguration")) {
    const CfnNode* name = ctx.prop(*sc, "Name");
    bool linked =
        ref && (*ref == sc->logical_id || (name && name->is_string() && name->text == *ref));
    if (!linked) continue;
    const CfnNode* enc = ctx.prop(*sc, "EncryptionConfiguration");
    if (!enc) throw UnknownValue{"security configuration without EncryptionConfiguration"};
    if (ctx.p(ctx.r(enc, path)).eq(want)) return Outcome::ok();
  }
  return Outcome::fail(std::string("the linked security configuration does not use ") + want);
}
Outcome gl1(const RuleContext& ctx, const Resource& res) {
  return glue_encryption(ctx, res, "CloudWatchEncryption.CloudWatchEncryptionMode", "SSE-KMS");
}
Outcome gl3(const RuleContext& ctx, const Resource& res) {
  return glue_encryption(ctx, res, "JobBookmarksEncryption.JobBookmarksEncryptionMode", "CSE-KMS");
}

// --- Kinesis ---
Outcome kda3(const RuleContext& ctx, const Resource& res) {
  const CfnNode* env = ctx.prop(res, "RuntimeEnvironment");
  if (!env || !env->is_string() || !lower(env->text).starts_with("flink")) return Outcome::ok();
  const CfnNode* cp = ctx.prop(
      res, "ApplicationConfiguration.FlinkApplicationConfiguration.CheckpointConfiguration");
  if (!cp) return Outcome::fail("CheckpointConfiguration is not set");
  Prim type = ctx.p(ctx.r(cp, "ConfigurationType"));
  Prim enabled = ctx.p(ctx.r(cp, "CheckpointingEnabled"));
  return Outcome::when(type.eq("CUSTOM") && enabled.falsy(), "checkpointing is disabled");
}
Outcome kds3(const RuleContext& ctx, const Resource& res) {
  const CfnNode* enc = ctx.prop(res, "StreamEncryption");
  if (!enc) return Outcome::ok();
  const CfnNode* key = ctx.r(enc, "KeyId");
  return Outcome::when(!key || !key->is_string() || key->text != "alias/aws/kinesis",
                       "StreamEncryption does not use the AWS managed key");
}

// --- MSK ---
Outcome msk2(const RuleContext& ctx, const Resource& res) {
  Prim v = ctx.pp(res, "EncryptionInfo.EncryptionInTransit.ClientBroker");
  return Outcome::when(v.present && !v.eq("TLS"), "ClientBroker is not TLS");
}
Outcome msk3(const RuleContext& ctx, const Resource& res) {
  Prim v = ctx.pp(res, "EncryptionInfo.EncryptionInTransit.InCluster");
  return Outcome::when(v.present && ((v.value.is_bool() && !v.value.boolean) || v.eq("false")),
                       "InCluster is false");
}
Outcome msk6(const RuleContext& ctx, const Resource& res) {
  const CfnNode* info = ctx.prop(res, "LoggingInfo");
  if (!info) return Outcome::fail("LoggingInfo is not set");
  const CfnNode* logs = ctx.r(info, "BrokerLogs");
  if (!logs) throw UnknownValue{"LoggingInfo without BrokerLogs"};
  for (const char* dest : {"S3", "CloudWatchLogs", "Firehose"}) {
    const CfnNode* d = ctx.r(logs, dest);
    if (d && !ctx.p(ctx.r(d, "Enabled")).falsy()) return Outcome::ok();
  }
  return Outcome::fail("no broker log destination is enabled");
}

// --- Step Functions ---
Outcome sf1(const RuleContext& ctx, const Resource& res) {
  if (!ctx.prop(res, "LoggingConfiguration"))
    return Outcome::fail("LoggingConfiguration is not set");
  return Outcome::when(!ctx.pp(res, "LoggingConfiguration.Level").eq("ALL"),
                       "LoggingConfiguration.Level is not ALL");
}
Outcome sf2(const RuleContext& ctx, const Resource& res) {
  if (!ctx.prop(res, "TracingConfiguration"))
    return Outcome::fail("TracingConfiguration is not set");
  return Outcome::when(ctx.pp(res, "TracingConfiguration.Enabled").falsy(),
                       "TracingConfiguration.Enabled is not true");
}

// --- EventBridge ---
Outcome evb1(const RuleContext& ctx, const Resource& res) {
  const CfnNode* principal = ctx.prop(res, "Principal");
  if (principal && principal->is_string() && principal->text == "*") {
    const CfnNode* cond = ctx.prop(res, "Condition");
    if (!cond || !ctx.r(cond, "Key") || !ctx.r(cond, "Type") || !ctx.r(cond, "Value")) {
      return Outcome::fail("Principal * without a Condition");
    }
  }
  const CfnNode* st = ctx.prop(res, "Statement");
  if (st && statement_effect(ctx, st) == "Allow" && principal_is_everyone(ctx, st)) {
    const CfnNode* cond = ctx.r(st, "Condition");
    if (!cond || (cond->is_object() && cond->keys.empty()))
      return Outcome::fail("the statement allows everyone without a Condition");
  }
  return Outcome::ok();
}

// --- MediaStore ---
Outcome ms1(const RuleContext& ctx, const Resource& res) {
  return Outcome::when(!ctx.pp(res, "AccessLoggingEnabled").is_true(),
                       "AccessLoggingEnabled is not true");
}
Outcome ms3(const RuleContext& ctx, const Resource& res) {
  const CfnNode* policy = ctx.prop(res, "Policy");
  if (!policy) return Outcome::fail("Policy is not set");
  if (!policy->is_string()) throw UnknownValue{"Policy is not a JSON string"};
  auto doc = cfn::parse_document(policy->text, "");
  if (!doc) throw UnknownValue{"Policy is not valid JSON"};
  const CfnNode* st = doc->get("Statement");
  if (!st || !st->is_array()) throw UnknownValue{"Policy has no Statement list"};
  for (const CfnNode& s : st->items) {
    if (is_ssl_only_deny(ctx, &s, {"*", "mediastore:*"})) return Outcome::ok();
  }
  return Outcome::fail("the container policy does not deny requests without SSL");
}
Outcome ms4(const RuleContext& ctx, const Resource& res) {
  if (!ctx.prop(res, "MetricPolicy")) return Outcome::fail("MetricPolicy is not set");
  return Outcome::when(!ctx.pp(res, "MetricPolicy.ContainerLevelMetrics").eq("ENABLED"),
                       "ContainerLevelMetrics is not ENABLED");
}
Outcome ms8(const RuleContext& ctx, const Resource& res) {
  const CfnNode* c = ctx.prop(res, "CorsPolicy");
  return Outcome::when(!c || (c->is_array() && c->items.empty()), "CorsPolicy is not set");
}

// --- CodeBuild ---
Outcome cb4(const RuleContext& ctx, const Resource& res) {
  const CfnNode* key = ctx.prop(res, "EncryptionKey");
  return Outcome::when(!key || (key->is_string() && key->text == "alias/aws/s3"),
                       "EncryptionKey is not a customer managed KMS key");
}
Outcome cb5(const RuleContext& ctx, const Resource& res) {
  Prim image = ctx.pp(res, "Environment.Image");
  if (image.absent()) throw UnknownValue{"Environment.Image is missing"};
  return Outcome::when(!image.str().starts_with("aws/codebuild/"),
                       "Environment.Image is not an AWS managed image");
}

}  // namespace

void add_other_rules(std::vector<RuleDef>& rules) {
  rules.push_back(
      {"TS3",
       Level::kWarning,
       {"AWS::Timestream::Database"},
       "The Timestream database does not use a customer managed KMS key.",
       "Set KmsKeyId.",
       [](const RuleContext& c, const Resource& r) { return absent_fails(c, r, "KmsKeyId"); }});
  const std::vector<std::string> eb{"AWS::ElasticBeanstalk::Environment"};
  rules.push_back(
      {"EB1", Level::kError, eb, "The Elastic Beanstalk environment does not name a VPC.",
       "Add OptionSettings {Namespace: aws:ec2:vpc, OptionName: VPCId, Value: <vpc>}.", eb1});
  rules.push_back({"EB3", Level::kError, eb,
                   "The Elastic Beanstalk environment has managed updates off.",
                   "Enable aws:elasticbeanstalk:managedactions ManagedActionsEnabled and "
                   "platformupdate UpdateLevel "
                   "minor or patch.",
                   eb3});
  rules.push_back(
      {"EB4", Level::kWarning, eb,
       "The Elastic Beanstalk environment does not upload instance logs to S3.",
       "Add OptionSettings {aws:elasticbeanstalk:hostmanager, LogPublicationControl, \"true\"}.",
       eb4});
  rules.push_back(
      {"LEX4",
       Level::kError,
       {"AWS::Lex::BotAlias", "AWS::Lex::Bot"},
       "The Lex bot's conversation logs are not encrypted.",
       "Set Destination.S3Bucket.KmsKeyArn for audio logs and KmsKeyId on the text-log log group.",
       lex4});
  const std::vector<std::string> sm{"AWS::SageMaker::NotebookInstance"};
  rules.push_back({"SM1", Level::kError, sm, "The SageMaker notebook instance is not in a VPC.",
                   "Set SubnetId.", [](const RuleContext& c, const Resource& r) {
                     return absent_fails(c, r, "SubnetId");
                   }});
  rules.push_back(
      {"SM2", Level::kError, sm, "The SageMaker notebook storage is not encrypted with a KMS key.",
       "Set KmsKeyId.",
       [](const RuleContext& c, const Resource& r) { return absent_fails(c, r, "KmsKeyId"); }});
  rules.push_back({"SM3", Level::kError, sm,
                   "The SageMaker notebook instance has direct internet access.",
                   "Set DirectInternetAccess: Disabled.", sm3});
  const std::vector<std::string> emr{"AWS::EMR::Cluster"};
  rules.push_back({"EMR2", Level::kError, emr, "The EMR cluster does not log to S3.",
                   "Set LogUri: s3://<bucket>/.", [](const RuleContext& c, const Resource& r) {
                     return absent_fails(c, r, "LogUri");
                   }});
  rules.push_back(
      {"EMR4", Level::kError, emr, "The EMR cluster does not encrypt local disks.",
       "Link a security configuration with EnableAtRestEncryption and a local disk key provider.",
       emr4});
  rules.push_back({"EMR5", Level::kError, emr, "The EMR cluster does not encrypt data in transit.",
                   "Link a security configuration with EnableInTransitEncryption and a TLS "
                   "certificate provider.",
                   emr5});
  rules.push_back({"EMR6", Level::kError, emr,
                   "The EMR cluster has neither an EC2 key pair nor Kerberos.",
                   "Set Instances.Ec2KeyName or KerberosAttributes.", emr6});
  rules.push_back({"GL1",
                   Level::kWarning,
                   {"AWS::Glue::Crawler", "AWS::Glue::Job"},
                   "The Glue crawler or job does not encrypt CloudWatch logs.",
                   "Link a Glue SecurityConfiguration with CloudWatchEncryptionMode: SSE-KMS.",
                   gl1});
  rules.push_back({"GL3",
                   Level::kWarning,
                   {"AWS::Glue::Job"},
                   "The Glue job does not encrypt job bookmarks.",
                   "Link a Glue SecurityConfiguration with JobBookmarksEncryptionMode: CSE-KMS.",
                   gl3});
  rules.push_back(
      {"KDA3",
       Level::kWarning,
       {"AWS::KinesisAnalyticsV2::Application"},
       "The Flink application has checkpointing disabled.",
       "Set CheckpointConfiguration.ConfigurationType: DEFAULT (or CheckpointingEnabled: true).",
       kda3});
  rules.push_back({"KDF1",
                   Level::kError,
                   {"AWS::KinesisFirehose::DeliveryStream"},
                   "The Firehose delivery stream has server-side encryption off.",
                   "Set DeliveryStreamEncryptionConfigurationInput {KeyType: AWS_OWNED_CMK}.",
                   [](const RuleContext& c, const Resource& r) {
                     return absent_fails(c, r, "DeliveryStreamEncryptionConfigurationInput");
                   }});
  rules.push_back({"KDS1",
                   Level::kError,
                   {"AWS::Kinesis::Stream"},
                   "The Kinesis stream has server-side encryption off.",
                   "Set StreamEncryption {EncryptionType: KMS, KeyId: alias/aws/kinesis}.",
                   [](const RuleContext& c, const Resource& r) {
                     return absent_fails(c, r, "StreamEncryption");
                   }});
  rules.push_back(
      {"KDS3",
       Level::kWarning,
       {"AWS::Kinesis::Stream"},
       "The Kinesis stream is encrypted with a customer key rather than the AWS managed key.",
       "Set StreamEncryption.KeyId: alias/aws/kinesis unless a customer key is required.",
       kds3});
  const std::vector<std::string> msk{"AWS::MSK::Cluster"};
  rules.push_back({"MSK2", Level::kError, msk,
                   "The MSK cluster allows plaintext between clients and brokers.",
                   "Set EncryptionInfo.EncryptionInTransit.ClientBroker: TLS.", msk2});
  rules.push_back({"MSK3", Level::kError, msk, "The MSK cluster does not use TLS between brokers.",
                   "Set EncryptionInfo.EncryptionInTransit.InCluster: true.", msk3});
  rules.push_back({"MSK6", Level::kError, msk, "The MSK cluster does not deliver broker logs.",
                   "Enable LoggingInfo.BrokerLogs.CloudWatchLogs (or S3/Firehose).", msk6});
  rules.push_back({"QS1",
                   Level::kError,
                   {"AWS::QuickSight::DataSource"},
                   "The QuickSight data source does not use SSL.",
                   "Remove SslProperties.DisableSsl: true.",
                   [](const RuleContext& c, const Resource& r) {
                     return Outcome::when(c.pp(r, "SslProperties.DisableSsl").is_true(),
                                          "SslProperties.DisableSsl is true");
                   }});
  const std::vector<std::string> sf{"AWS::StepFunctions::StateMachine"};
  rules.push_back({"SF1", Level::kError, sf, "The state machine does not log all events.",
                   "Set LoggingConfiguration.Level: ALL with a log group destination.", sf1});
  rules.push_back({"SF2", Level::kError, sf, "The state machine does not have X-Ray tracing.",
                   "Set TracingConfiguration.Enabled: true.", sf2});
  rules.push_back({"EVB1",
                   Level::kError,
                   {"AWS::Events::EventBusPolicy"},
                   "The event bus policy allows any principal to put events.",
                   "Name specific principals or add a Condition (e.g. aws:PrincipalOrgID).",
                   evb1});
  const std::vector<std::string> ms{"AWS::MediaStore::Container"};
  rules.push_back({"MS1", Level::kError, ms,
                   "The MediaStore container has access logging disabled.",
                   "Set AccessLoggingEnabled: true.", ms1});
  rules.push_back({"MS3", Level::kError, ms, "The MediaStore container does not require SSL.",
                   "Add a Policy statement denying mediastore:* when aws:SecureTransport is false.",
                   ms3});
  rules.push_back({"MS4", Level::kWarning, ms,
                   "The MediaStore container has no container-level metric policy.",
                   "Set MetricPolicy.ContainerLevelMetrics: ENABLED.", ms4});
  rules.push_back({"MS7", Level::kWarning, ms, "The MediaStore container has no container policy.",
                   "Set Policy.", [](const RuleContext& c, const Resource& r) {
                     return absent_fails(c, r, "Policy");
                   }});
  rules.push_back({"MS8", Level::kWarning, ms, "The MediaStore container has no CORS policy.",
                   "Set CorsPolicy.", ms8});
  rules.push_back({"MS10", Level::kWarning, ms,
                   "The MediaStore container has no object lifecycle policy.",
                   "Set LifecyclePolicy.", [](const RuleContext& c, const Resource& r) {
                     return absent_fails(c, r, "LifecyclePolicy");
                   }});
  const std::vector<std::string> cb{"AWS::CodeBuild::Project"};
  rules.push_back({"CB4", Level::kError, cb,
                   "The CodeBuild project does not use a customer managed KMS key.",
                   "Set EncryptionKey to a KMS key ARN.", cb4});
  rules.push_back(
      {"CB5", Level::kWarning, cb, "The CodeBuild project does not use an AWS managed build image.",
       "Set Environment.Image to an aws/codebuild/... image, or suppress with a reason.", cb5});
  rules.push_back({"C91",
                   Level::kError,
                   {"AWS::Cloud9::EnvironmentEC2"},
                   "The Cloud9 environment does not use a no-ingress (SSM) instance.",
                   "Set ConnectionType: CONNECT_SSM.",
                   [](const RuleContext& c, const Resource& r) {
                     return Outcome::when(!c.pp(r, "ConnectionType").eq("CONNECT_SSM"),
                                          "ConnectionType is not CONNECT_SSM");
                   }});
}

}  // namespace sluice::scan::aws
