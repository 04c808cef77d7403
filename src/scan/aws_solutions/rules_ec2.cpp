// EC2 / VPC / Auto Scaling launch data: EC23, EC26, EC27, EC28, EC29, VPC3, VPC7.
#include "scan/aws_solutions/rule.h"

namespace sluice::scan::aws {
namespace {

bool open_cidr(const RuleContext& ctx, const CfnNode* entry) {
  Prim v4 = ctx.p(ctx.r(entry, "CidrIp"));
  Prim v6 = ctx.p(ctx.r(entry, "CidrIpv6"));
  return (v4.present && v4.str().find("/0") != std::string::npos) ||
         (v6.present && v6.str().find("/0") != std::string::npos);
}

Outcome ec23(const RuleContext& ctx, const Resource& res) {
  if (res.type == "AWS::EC2::SecurityGroupIngress") {
    return Outcome::when(open_cidr(ctx, res.properties), "ingress rule allows 0.0.0.0/0 or ::/0");
  }
  for (const CfnNode* entry : ctx.list(ctx.prop(res, "SecurityGroupIngress"))) {
    if (entry->is_intrinsic()) continue;  // an opaque element has no CIDR to read
    if (open_cidr(ctx, entry)) {
      const CfnNode* port = ctx.r(entry, "FromPort");
      return Outcome::fail(
          "SecurityGroupIngress allows 0.0.0.0/0 or ::/0" +
          (port && port->is_scalar() ? " on port " + cfn::scalar_to_string(*port) : std::string()));
    }
  }
  return Outcome::ok();
}

enum class DiskState { kAbsent, kEncrypted, kUnencrypted };

DiskState mapping_state(const RuleContext& ctx, const CfnNode* mappings) {
  std::vector<const CfnNode*> items = ctx.list(mappings);
  if (items.empty()) return DiskState::kAbsent;
  bool all = true;
  for (const CfnNode* m : items) {
    const CfnNode* ebs = ctx.r(m, "Ebs");
    if (!ebs) throw UnknownValue{"block device mapping without Ebs"};
    if (!ctx.p(ctx.r(ebs, "Encrypted")).is_true()) all = false;
  }
  return all ? DiskState::kEncrypted : DiskState::kUnencrypted;
}

// The first AWS::EC2::LaunchTemplate the consumer's LaunchTemplate block refers to.
const Resource* linked_launch_template(const RuleContext& ctx, const Resource& res) {
  auto templates = ctx.tmpl().of_type("AWS::EC2::LaunchTemplate");
  if (templates.empty()) return nullptr;
  const CfnNode* spec = ctx.prop(res, "LaunchTemplate");
  if (!spec) {
    if (res.type == "AWS::AutoScaling::AutoScalingGroup") {
      spec = ctx.prop(res, "MixedInstancesPolicy.LaunchTemplate.LaunchTemplateSpecification");
    }
    if (!spec) throw UnknownValue{"no LaunchTemplate while the template defines launch templates"};
  }
  const CfnNode* name = ctx.r(spec, "LaunchTemplateName");
  const CfnNode* id = ctx.r(spec, "LaunchTemplateId");
  auto id_link = ctx.link(ctx.prop(res, "LaunchTemplate.LaunchTemplateId"));
  for (const Resource* lt : templates) {
    const CfnNode* own = ctx.prop(*lt, "LaunchTemplateName");
    bool names_equal =
        (!name && !own) || (name && own && name->is_scalar() && own->is_scalar() &&
                            cfn::scalar_to_string(*name) == cfn::scalar_to_string(*own));
    bool id_equal = id && id->is_string() && id->text == lt->logical_id;
    // sluice also follows {"Ref": LaunchTemplate}, which cdk-nag only matches by accident.
    if (names_equal || id_equal || (id_link && *id_link == lt->logical_id)) return lt;
  }
  return nullptr;
}

Outcome ec26(const RuleContext& ctx, const Resource& res) {
  if (res.type == "AWS::EC2::Volume") {
    return Outcome::when(!ctx.pp(res, "Encrypted").is_true(), "Encrypted is not true");
  }
  if (res.type == "AWS::AutoScaling::LaunchConfiguration") {
    const CfnNode* mappings = ctx.prop(res, "BlockDeviceMappings");
    if (!mappings)
      return Outcome::fail("BlockDeviceMappings is not set, so the root volume is unencrypted");
    for (const CfnNode* m : ctx.list(mappings)) {
      const CfnNode* ebs = ctx.r(m, "Ebs");
      if (!ebs) throw UnknownValue{"block device mapping without Ebs"};
      if (!ctx.p(ctx.r(ebs, "Encrypted")).is_true())
        return Outcome::fail("a block device is not encrypted");
    }
    return Outcome::ok();
  }
  const Resource* lt = linked_launch_template(ctx, res);
  if (res.type == "AWS::AutoScaling::AutoScalingGroup") {
    if (!lt) return Outcome::na();
    DiskState s = mapping_state(ctx, ctx.prop(*lt, "LaunchTemplateData.BlockDeviceMappings"));
    return Outcome::when(s != DiskState::kEncrypted,
                         "launch template " + lt->logical_id + " has unencrypted volumes");
  }
  DiskState own = mapping_state(ctx, ctx.prop(res, "BlockDeviceMappings"));
  if (lt) {
    DiskState t = mapping_state(ctx, ctx.prop(*lt, "LaunchTemplateData.BlockDeviceMappings"));
    bool bad = (own == DiskState::kAbsent && t == DiskState::kAbsent) ||
               own == DiskState::kUnencrypted || t == DiskState::kUnencrypted;
    return Outcome::when(bad, "EBS volumes are not all encrypted");
  }
  return Outcome::when(own != DiskState::kEncrypted,
                       "BlockDeviceMappings do not all set Ebs.Encrypted: true");
}

Outcome ec27(const RuleContext& ctx, const Resource& res) {
  Prim d = ctx.pp(res, "GroupDescription");
  if (d.absent()) throw UnknownValue{"GroupDescription is missing"};
  return Outcome::when(d.str().size() < 2, "GroupDescription is shorter than 2 characters");
}

Outcome ec28(const RuleContext& ctx, const Resource& res) {
  if (res.type == "AWS::EC2::Instance") {
    Prim m = ctx.pp(res, "Monitoring");
    return Outcome::when(m.absent() || m.loose_false(), "Monitoring is not true");
  }
  Prim m = ctx.pp(res, "InstanceMonitoring");
  return Outcome::when(m.present && m.loose_false(), "InstanceMonitoring is false");
}

Outcome ec29(const RuleContext& ctx, const Resource& res) {
  return Outcome::when(!ctx.pp(res, "DisableApiTermination").is_true(),
                       "DisableApiTermination is not true");
}

Outcome vpc3(const RuleContext&, const Resource&) {
  return Outcome::fail("the template defines a network ACL");
}

Outcome vpc7(const RuleContext& ctx, const Resource& res) {
  for (const Resource* fl : ctx.tmpl().of_type("AWS::EC2::FlowLog")) {
    const CfnNode* type = ctx.prop(*fl, "ResourceType");
    auto id = ctx.link(ctx.prop(*fl, "ResourceId"));
    if (type && type->is_string() && type->text == "VPC" && id && *id == res.logical_id)
      return Outcome::ok();
  }
  return Outcome::fail("no AWS::EC2::FlowLog references this VPC");
}

}  // namespace

void add_ec2_rules(std::vector<RuleDef>& rules) {
  rules.push_back({"EC23",
                   Level::kError,
                   {"AWS::EC2::SecurityGroup", "AWS::EC2::SecurityGroupIngress"},
                   "The security group allows inbound traffic from 0.0.0.0/0 or ::/0.",
                   "Restrict CidrIp/CidrIpv6 of the ingress rule to known address ranges (or use a "
                   "source security "
                   "group).",
                   ec23});
  rules.push_back({"EC26",
                   Level::kError,
                   {"AWS::EC2::Volume", "AWS::EC2::Instance",
                    "AWS::AutoScaling::LaunchConfiguration", "AWS::AutoScaling::AutoScalingGroup"},
                   "EBS volumes are not encrypted.",
                   "Set Encrypted: true on the volume (BlockDeviceMappings[].Ebs.Encrypted: true).",
                   ec26});
  rules.push_back({"EC27",
                   Level::kError,
                   {"AWS::EC2::SecurityGroup"},
                   "The security group has no meaningful description.",
                   "Set GroupDescription to a sentence saying what the group is for.",
                   ec27});
  rules.push_back({"EC28",
                   Level::kError,
                   {"AWS::EC2::Instance", "AWS::AutoScaling::LaunchConfiguration"},
                   "Detailed monitoring is disabled for the instance.",
                   "Set Monitoring: true (InstanceMonitoring: true on launch configurations).",
                   ec28});
  rules.push_back({"EC29",
                   Level::kError,
                   {"AWS::EC2::Instance"},
                   "The instance has no termination protection.",
                   "Set DisableApiTermination: true.",
                   ec29});
  rules.push_back({"VPC3",
                   Level::kWarning,
                   {"AWS::EC2::NetworkAcl", "AWS::EC2::NetworkAclEntry"},
                   "A network ACL is used; security groups are usually easier to reason about.",
                   "Prefer security groups; suppress with a reason when the NACL is intended.",
                   vpc3});
  rules.push_back({"VPC7",
                   Level::kError,
                   {"AWS::EC2::VPC"},
                   "The VPC has no flow log.",
                   "Add an AWS::EC2::FlowLog with ResourceType: VPC and ResourceId: !Ref <Vpc>.",
                   vpc7});
}

}  // namespace sluice::scan::aws
