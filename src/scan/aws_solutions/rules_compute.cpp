// Lambda, ECS, EKS, ECR and Auto Scaling rules.
#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "scan/aws_solutions/policy.h"
#include "scan/aws_solutions/rule.h"

namespace sluice::scan::aws {
namespace {

// Latest runtime per family, pinned to cdk-nag 2.38.2 with aws-cdk-lib 2.276.0 (see
// docs/scan-rules.md to update it when AWS adds runtimes).
struct LatestRuntime {
  const char* family;
  const char* latest;
};
constexpr LatestRuntime kLatestRuntimes[] = {
    {"nodejs", "nodejs24.x"}, {"python", "python3.15"},        {"java", "java25"},
    {"dotnet", "dotnet10"},   {"dotnetcore", "dotnetcore3.1"}, {"go", "go1.x"},
    {"ruby", "ruby4.0"},
};

Outcome l1(const RuleContext& ctx, const Resource& res) {
  Prim runtime = ctx.pp(res, "Runtime");
  if (runtime.falsy()) return Outcome::na();
  std::string r = runtime.str();
  size_t n = 0;
  while (n < r.size() && r[n] >= 'a' && r[n] <= 'z') ++n;
  if (n == 0) throw UnknownValue{"Runtime '" + r + "' is not a runtime name"};
  std::string family = r.substr(0, n);
  if (family == "provided") return Outcome::na();
  for (const LatestRuntime& l : kLatestRuntimes) {
    if (family == l.family)
      return Outcome::when(r != l.latest, "Runtime " + r + " is not the latest (" + l.latest + ")");
  }
  throw UnknownValue{"unknown runtime family '" + family + "'"};
}

Outcome ecs2(const RuleContext& ctx, const Resource& res) {
  for (const CfnNode* c : ctx.list(ctx.prop(res, "ContainerDefinitions"))) {
    if (ctx.r(c, "Environment")) {
      const CfnNode* name = ctx.r(c, "Name");
      return Outcome::fail(
          "container " +
          (name && name->is_scalar() ? cfn::scalar_to_string(*name) : std::string("?")) +
          " sets Environment variables");
    }
  }
  return Outcome::ok();
}

Outcome ecs4(const RuleContext& ctx, const Resource& res) {
  const CfnNode* settings = ctx.prop(res, "ClusterSettings");
  if (!settings) return Outcome::fail("ClusterSettings does not enable containerInsights");
  for (const CfnNode* s : ctx.list(settings)) {
    Prim name = ctx.p(ctx.r(s, "Name"));
    Prim value = ctx.p(ctx.r(s, "Value"));
    if (name.eq("containerInsights") && (value.eq("enabled") || value.eq("enhanced")))
      return Outcome::ok();
  }
  return Outcome::fail("ClusterSettings does not enable containerInsights");
}

Outcome ecs7(const RuleContext& ctx, const Resource& res) {
  for (const CfnNode* c : ctx.list(ctx.prop(res, "ContainerDefinitions"))) {
    if (!ctx.r(c, "LogConfiguration.LogDriver"))
      return Outcome::fail("a container has no LogConfiguration.LogDriver");
  }
  return Outcome::ok();
}

Outcome eks1(const RuleContext& ctx, const Resource& res) {
  if (res.type == "Custom::AWSCDK-EKS-Cluster") {
    const CfnNode* v = ctx.prop(res, "Config.resourcesVpcConfig.endpointPublicAccess");
    bool off = v && ((v->is_bool() && !v->boolean) || (v->is_string() && v->text == "false"));
    return Outcome::when(!off, "the cluster endpoint is publicly accessible");
  }
  if (!ctx.prop(res, "ResourcesVpcConfig")) throw UnknownValue{"ResourcesVpcConfig is missing"};
  Prim pub = ctx.pp(res, "ResourcesVpcConfig.EndpointPublicAccess");
  bool off = pub.present && ((pub.value.is_bool() && !pub.value.boolean) || pub.eq("false"));
  return Outcome::when(!off, "ResourcesVpcConfig.EndpointPublicAccess is not false");
}

Outcome eks2(const RuleContext& ctx, const Resource& res) {
  std::vector<std::string> enabled;
  if (res.type == "Custom::AWSCDK-EKS-Cluster") {
    for (const CfnNode* entry : ctx.list(ctx.prop(res, "Config.logging.clusterLogging"))) {
      const CfnNode* on = ctx.r(entry, "enabled");
      if (!on || !on->is_bool() || !on->boolean) continue;
      const CfnNode* types = ctx.r(entry, "types");
      if (!types) throw UnknownValue{"enabled clusterLogging entry without types"};
      for (const CfnNode* t : ctx.list(types)) {
        if (t->is_string()) enabled.push_back(t->text);
      }
    }
  } else {
    for (const CfnNode* t : ctx.list(ctx.prop(res, "Logging.ClusterLogging.EnabledTypes"))) {
      Prim type = ctx.p(ctx.r(t, "Type"));
      if (type.present) enabled.push_back(type.str());
    }
  }
  std::vector<std::string> findings;
  for (const char* log : {"api", "audit", "authenticator", "controllerManager", "scheduler"}) {
    if (std::find(enabled.begin(), enabled.end(), log) == enabled.end())
      findings.push_back(std::string("LogExport::") + log);
  }
  return Outcome::granular(findings);
}

Outcome ecr1(const RuleContext& ctx, const Resource& res) {
  const CfnNode* policy =
      ctx.prop(res, res.type == "AWS::ECR::Repository" ? "RepositoryPolicyText" : "PolicyText");
  if (!policy || !ctx.r(policy, "Statement")) return Outcome::ok();
  for (const CfnNode* st : policy_statements(ctx, policy)) {
    if (statement_effect(ctx, st) == "Allow" && principal_json_has_star(ctx, st)) {
      return Outcome::fail("the repository policy allows any principal (*)");
    }
  }
  return Outcome::ok();
}

Outcome as1(const RuleContext& ctx, const Resource& res) {
  Prim c = ctx.pp(res, "Cooldown");
  return Outcome::when(
      c.present && std::atoi(c.str().c_str()) == 0 && !c.str().empty() &&
          (std::isdigit(static_cast<unsigned char>(c.str()[0])) || c.str()[0] == '-'),
      "Cooldown is 0");
}

Outcome as2(const RuleContext& ctx, const Resource& res) {
  Prim type = ctx.pp(res, "HealthCheckType");
  Prim grace = ctx.pp(res, "HealthCheckGracePeriod");
  return Outcome::when(type.eq("ELB") && grace.absent(),
                       "HealthCheckType is ELB without HealthCheckGracePeriod");
}

Outcome as3(const RuleContext& ctx, const Resource& res) {
  const CfnNode* configs = ctx.prop(res, "NotificationConfigurations");
  if (!configs) return Outcome::fail("NotificationConfigurations is not set");
  std::vector<std::string> seen;
  for (const CfnNode* c : ctx.list(configs)) {
    for (const CfnNode* t : ctx.list(ctx.r(c, "NotificationTypes"))) {
      if (t->is_intrinsic()) throw UnknownValue{"NotificationTypes element is an intrinsic"};
      if (t->is_string()) seen.push_back(t->text);
    }
  }
  for (const char* want :
       {"autoscaling:EC2_INSTANCE_LAUNCH", "autoscaling:EC2_INSTANCE_LAUNCH_ERROR",
        "autoscaling:EC2_INSTANCE_TERMINATE", "autoscaling:EC2_INSTANCE_TERMINATE_ERROR"}) {
    if (std::find(seen.begin(), seen.end(), want) == seen.end()) {
      return Outcome::fail(std::string("no notification for ") + want);
    }
  }
  return Outcome::ok();
}

}  // namespace

void add_compute_rules(std::vector<RuleDef>& rules) {
  rules.push_back(
      {"L1",
       Level::kError,
       {"AWS::Lambda::Function"},
       "The Lambda function does not use the latest runtime of its language.",
       "Set Runtime to the latest version of the family (e.g. nodejs24.x, python3.15, java25).",
       l1});
  rules.push_back(
      {"ECS2",
       Level::kError,
       {"AWS::ECS::TaskDefinition"},
       "The ECS task definition passes plain environment variables to a container.",
       "Move values to ContainerDefinitions[].Secrets (Secrets Manager or SSM parameters).",
       ecs2});
  rules.push_back({"ECS4",
                   Level::kError,
                   {"AWS::ECS::Cluster"},
                   "The ECS cluster has CloudWatch Container Insights off.",
                   "Set ClusterSettings: [{Name: containerInsights, Value: enabled}].",
                   ecs4});
  rules.push_back({"ECS7",
                   Level::kError,
                   {"AWS::ECS::TaskDefinition"},
                   "A container of the ECS task definition does not send its logs anywhere.",
                   "Set ContainerDefinitions[].LogConfiguration.LogDriver (e.g. awslogs).",
                   ecs7});
  const std::vector<std::string> eks{"AWS::EKS::Cluster", "Custom::AWSCDK-EKS-Cluster"};
  rules.push_back(
      {"EKS1", Level::kError, eks, "The EKS cluster API endpoint is publicly accessible.",
       "Set ResourcesVpcConfig.EndpointPublicAccess: false (CDK: endpointAccess: PRIVATE).", eks1});
  rules.push_back({"EKS2", Level::kError, eks,
                   "The EKS cluster does not send all control-plane logs to CloudWatch.",
                   "Enable Logging.ClusterLogging.EnabledTypes for api, audit, authenticator, "
                   "controllerManager and "
                   "scheduler.",
                   eks2, true});
  rules.push_back({"ECR1",
                   Level::kError,
                   {"AWS::ECR::Repository", "AWS::ECR::RegistryPolicy"},
                   "The ECR repository or registry policy allows access from any principal.",
                   "Name specific account or role ARNs in the policy's Principal instead of '*'.",
                   ecr1});
  const std::vector<std::string> asg{"AWS::AutoScaling::AutoScalingGroup"};
  rules.push_back({"AS1", Level::kError, asg, "The Auto Scaling group has a cooldown of 0.",
                   "Set Cooldown to a positive number of seconds (e.g. \"300\").", as1});
  rules.push_back({"AS2", Level::kError, asg,
                   "The Auto Scaling group uses ELB health checks without a grace period.",
                   "Set HealthCheckGracePeriod (seconds) when HealthCheckType is ELB.", as2});
  rules.push_back(
      {"AS3", Level::kError, asg, "The Auto Scaling group does not notify on all scaling events.",
       "Add NotificationConfigurations with the four EC2_INSTANCE_LAUNCH/TERMINATE(_ERROR) types.",
       as3});
}

}  // namespace sluice::scan::aws
