// DynamoDB/DAX, SQS, SNS, KMS and Secrets Manager rules.
#include <algorithm>
#include <cctype>

#include "scan/aws_solutions/policy.h"
#include "scan/aws_solutions/rule.h"

namespace sluice::scan::aws {
namespace {

Outcome ddb3(const RuleContext& ctx, const Resource& res) {
  if (!ctx.prop(res, "PointInTimeRecoverySpecification"))
    return Outcome::fail("PointInTimeRecoverySpecification is not set");
  return Outcome::when(
      ctx.pp(res, "PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled").falsy(),
      "PointInTimeRecoveryEnabled is not true");
}

Outcome ddb4(const RuleContext& ctx, const Resource& res) {
  if (!ctx.prop(res, "SSESpecification")) return Outcome::fail("SSESpecification is not set");
  return Outcome::when(ctx.pp(res, "SSESpecification.SSEEnabled").falsy(),
                       "SSEEnabled is not true");
}

Outcome sqs2(const RuleContext& ctx, const Resource& res) {
  const CfnNode* key = ctx.prop(res, "KmsMasterKeyId");
  const CfnNode* managed = ctx.prop(res, "SqsManagedSseEnabled");
  bool managed_off = managed && ((managed->is_bool() && !managed->boolean) ||
                                 (managed->is_string() && managed->text == "false"));
  return Outcome::when(!key && managed_off,
                       "SqsManagedSseEnabled is false and no KmsMasterKeyId is set");
}

bool dlq_target_matches(const std::string& target, const Resource& queue,
                        const CfnNode* queue_name) {
  if (contains_token(target, queue.logical_id)) return true;
  if (!queue_name || !queue_name->is_string()) return false;
  std::string needle = ":" + queue_name->text;
  size_t pos = 0;
  while ((pos = target.find(needle, pos)) != std::string::npos) {
    size_t after = pos + needle.size();
    unsigned char c = after < target.size() ? static_cast<unsigned char>(target[after]) : ' ';
    if (!(std::isalnum(c) || c == '_' || c == '-' || c == '.')) return true;
    ++pos;
  }
  return false;
}

Outcome sqs3(const RuleContext& ctx, const Resource& res) {
  if (ctx.prop(res, "RedrivePolicy")) return Outcome::ok();
  const CfnNode* name = ctx.prop(res, "QueueName");
  const auto& targets = ctx.memo("SQS3.targets", [&] {
    std::vector<std::string> out;
    auto add = [&](const CfnNode* t) {
      try {
        if (t) out.push_back(flatten(t));
      } catch (const UnknownValue&) {
      }
    };
    for (const Resource* q : ctx.tmpl().of_type("AWS::SQS::Queue")) {
      add(ctx.lenient_prop(*q, "RedrivePolicy.deadLetterTargetArn"));
    }
    for (const Resource* fn : ctx.tmpl().of_type("AWS::Lambda::Function")) {
      add(ctx.lenient_prop(*fn, "DeadLetterConfig.TargetArn"));
    }
    return out;
  });
  for (const std::string& t : targets) {
    if (dlq_target_matches(t, res, name)) return Outcome::ok();
  }
  return Outcome::fail("the queue has no RedrivePolicy and is not used as a dead-letter queue");
}

// A policy resource's list (Queues/Topics) refers to the resource.
bool policy_refers_to(const RuleContext& ctx, const CfnNode* list, const Resource& res,
                      const CfnNode* name) {
  for (const CfnNode* item : ctx.list(list)) {
    auto id = ctx.link(item);
    if (id && *id == res.logical_id) return true;
    if (name && name->is_string()) {
      if (!item->is_string() && !id)
        throw UnknownValue{"policy target is an intrinsic that cannot be compared"};
      std::string s = item->is_string() ? item->text : *id;
      if (s.ends_with(name->text)) return true;
    }
  }
  return false;
}

Outcome sqs4(const RuleContext& ctx, const Resource& res) {
  const CfnNode* name = ctx.prop(res, "QueueName");
  for (const Resource* policy : ctx.tmpl().of_type("AWS::SQS::QueuePolicy")) {
    if (!policy_refers_to(ctx, ctx.prop(*policy, "Queues"), res, name)) continue;
    for (const CfnNode* st : policy_statements(ctx, ctx.prop(*policy, "PolicyDocument"))) {
      if (is_ssl_only_deny(ctx, st, {"*", "sqs:*"})) return Outcome::ok();
    }
  }
  return Outcome::fail("no queue policy denies requests without SSL (aws:SecureTransport=false)");
}

Outcome sns3(const RuleContext& ctx, const Resource& res) {
  if (ctx.prop(res, "KmsMasterKeyId")) return Outcome::ok();
  const CfnNode* name = ctx.prop(res, "TopicName");
  for (const Resource* policy : ctx.tmpl().of_type("AWS::SNS::TopicPolicy")) {
    if (!policy_refers_to(ctx, ctx.prop(*policy, "Topics"), res, name)) continue;
    for (const CfnNode* st : policy_statements(ctx, ctx.prop(*policy, "PolicyDocument"))) {
      if (is_ssl_only_deny(ctx, st, {"sns:publish"})) return Outcome::ok();
    }
  }
  return Outcome::fail(
      "no topic policy denies sns:Publish without SSL and the topic is not KMS-encrypted");
}

Outcome kms5(const RuleContext& ctx, const Resource& res) {
  const CfnNode* spec = ctx.prop(res, "KeySpec");
  if (spec && !(spec->is_string() && spec->text == "SYMMETRIC_DEFAULT")) return Outcome::ok();
  return Outcome::when(!ctx.pp(res, "EnableKeyRotation").is_true(),
                       "EnableKeyRotation is not true");
}

Outcome smg4(const RuleContext& ctx, const Resource& res) {
  auto schedules = ctx.tmpl().of_type("AWS::SecretsManager::RotationSchedule");
  if (schedules.empty())
    return Outcome::fail("no AWS::SecretsManager::RotationSchedule rotates this secret");
  std::vector<std::string> ids{res.logical_id};
  for (const Resource* att : ctx.tmpl().of_type("AWS::SecretsManager::SecretTargetAttachment")) {
    auto id = ctx.link(ctx.prop(*att, "SecretId"));
    if (id && *id == res.logical_id) ids.push_back(att->logical_id);
  }
  for (const Resource* s : schedules) {
    auto id = ctx.link(ctx.prop(*s, "SecretId"));
    if (!id || std::find(ids.begin(), ids.end(), *id) == ids.end()) continue;
    if (!ctx.prop(*s, "HostedRotationLambda") && !ctx.prop(*s, "RotationLambdaARN")) continue;
    const CfnNode* rules = ctx.prop(*s, "RotationRules");
    if (rules && (ctx.r(rules, "AutomaticallyAfterDays") || ctx.r(rules, "ScheduleExpression")))
      return Outcome::ok();
  }
  return Outcome::fail(
      "no rotation schedule with a rotation function and rules targets this secret");
}

}  // namespace

void add_messaging_rules(std::vector<RuleDef>& rules) {
  rules.push_back({"DDB3",
                   Level::kWarning,
                   {"AWS::DynamoDB::Table"},
                   "The DynamoDB table does not have point-in-time recovery enabled.",
                   "Set PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled: true.",
                   ddb3});
  rules.push_back({"DDB4",
                   Level::kError,
                   {"AWS::DAX::Cluster"},
                   "The DAX cluster does not encrypt data at rest.",
                   "Set SSESpecification.SSEEnabled: true.",
                   ddb4});
  rules.push_back({"SQS2",
                   Level::kError,
                   {"AWS::SQS::Queue"},
                   "The SQS queue has server-side encryption turned off.",
                   "Remove SqsManagedSseEnabled: false or set KmsMasterKeyId.",
                   sqs2});
  rules.push_back({"SQS3",
                   Level::kError,
                   {"AWS::SQS::Queue"},
                   "The SQS queue neither has a dead-letter queue nor is one.",
                   "Set RedrivePolicy {deadLetterTargetArn: <DLQ ARN>, maxReceiveCount: N}.",
                   sqs3});
  rules.push_back(
      {"SQS4",
       Level::kError,
       {"AWS::SQS::Queue"},
       "The SQS queue does not require requests to use SSL.",
       "Add a queue policy statement: Effect Deny, Principal *, Action sqs:*, Condition Bool "
       "aws:SecureTransport false (CDK: enforceSSL: true).",
       sqs4});
  rules.push_back(
      {"SNS3",
       Level::kError,
       {"AWS::SNS::Topic"},
       "The SNS topic does not require publishers to use SSL.",
       "Add a topic policy statement: Effect Deny, Principal *, Action sns:Publish, Condition Bool "
       "aws:SecureTransport false (CDK: enforceSSL: true), or set KmsMasterKeyId.",
       sns3});
  rules.push_back({"KMS5",
                   Level::kError,
                   {"AWS::KMS::Key"},
                   "The symmetric KMS key does not rotate automatically.",
                   "Set EnableKeyRotation: true.",
                   kms5});
  rules.push_back({"SMG4",
                   Level::kError,
                   {"AWS::SecretsManager::Secret"},
                   "The secret is not rotated automatically.",
                   "Add an AWS::SecretsManager::RotationSchedule with SecretId: !Ref <Secret>, a "
                   "rotation function and "
                   "RotationRules.AutomaticallyAfterDays.",
                   smg4});
}

}  // namespace sluice::scan::aws
