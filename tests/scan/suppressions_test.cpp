#include "scan/suppressions.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "scan/aws_solutions/pack.h"
#include "scan/cfn/template.h"

namespace sluice::scan {
namespace {

namespace fs = std::filesystem;

cfn::Template load(const std::string& yaml) {
  auto doc = cfn::parse_document(yaml, "stack.yaml");
  EXPECT_TRUE(doc.ok()) << doc.error().format();
  Diagnostics d;
  auto t =
      cfn::build_template(std::make_shared<const cfn::CfnNode>(std::move(*doc)), "stack.yaml", d);
  EXPECT_TRUE(t.ok());
  return std::move(*t);
}

const Finding* find(const std::vector<Finding>& fs, const std::string& rule,
                    const std::string& resource, const std::string& finding_id = "") {
  for (const Finding& f : fs) {
    if (f.rule_id == "AwsSolutions-" + rule && f.resource_id == resource &&
        f.finding_id == finding_id)
      return &f;
  }
  return nullptr;
}

struct Scan {
  std::vector<Finding> findings;
  Diagnostics diagnostics;
};

Scan scan(const std::string& yaml, std::vector<Suppression>& file) {
  cfn::Template t = load(yaml);
  Scan s;
  s.findings = aws::evaluate_template(t, {});
  apply_suppressions(t, s.findings, file, s.diagnostics);
  return s;
}

Scan scan(const std::string& yaml) {
  std::vector<Suppression> none;
  return scan(yaml, none);
}

TEST(Suppressions, CdkNagResourceSuppression) {
  Scan s = scan(R"(Resources:
  Logs:
    Type: AWS::S3::Bucket
    Metadata:
      cdk_nag:
        rules_to_suppress:
          - id: AwsSolutions-S1
            reason: This bucket receives access logs; logging it would loop.
)");
  const Finding* f = find(s.findings, "S1", "Logs");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->compliance, Compliance::kSuppressed);
  EXPECT_EQ(f->exception_reason, "This bucket receives access logs; logging it would loop.");
  EXPECT_EQ(find(s.findings, "S10", "Logs")->compliance, Compliance::kNonCompliant);
  EXPECT_TRUE(s.diagnostics.empty()) << s.diagnostics.format();
}

constexpr const char* kRole = R"(Resources:
  Role:
    Type: AWS::IAM::Role
    Metadata:
      cdk_nag:
        rules_to_suppress:
          - id: AwsSolutions-IAM5
            reason: Objects are written under a per-run prefix only.
            applies_to:
              - Action::s3:*
              - regex: "/^Resource::<Bucket.Arn>\\/.*$/i"
    Properties:
      Policies:
        - PolicyName: p
          PolicyDocument:
            Statement:
              - {Effect: Allow, Action: ["s3:*"], Resource: !Join ["", [!GetAtt Bucket.Arn, "/*"]]}
              - {Effect: Allow, Action: "kms:*", Resource: "*"}
  Bucket:
    Type: AWS::S3::Bucket
)";

TEST(Suppressions, GranularAppliesToExactAndRegex) {
  Scan s = scan(kRole);
  const Finding* action = find(s.findings, "IAM5", "Role", "Action::s3:*");
  const Finding* resource = find(s.findings, "IAM5", "Role", "Resource::<Bucket.Arn>/*");
  const Finding* kms = find(s.findings, "IAM5", "Role", "Action::kms:*");
  ASSERT_TRUE(action && resource && kms);
  EXPECT_EQ(action->compliance, Compliance::kSuppressed);
  EXPECT_EQ(action->exception_reason,
            "[Action::s3:*] Objects are written under a per-run prefix only.");
  EXPECT_EQ(resource->compliance, Compliance::kSuppressed);
  EXPECT_EQ(kms->compliance, Compliance::kNonCompliant);
  EXPECT_EQ(find(s.findings, "IAM5", "Role", "Resource::*")->compliance, Compliance::kNonCompliant);
}

TEST(Suppressions, StackLevelAndEncodedReason) {
  // "Buckets in this stack are scratch space" in base64.
  Scan s = scan(R"(Metadata:
  cdk_nag:
    rules_to_suppress:
      - id: AwsSolutions-S1
        reason: QnVja2V0cyBpbiB0aGlzIHN0YWNrIGFyZSBzY3JhdGNoIHNwYWNl
        is_reason_encoded: true
Resources:
  A: {Type: AWS::S3::Bucket}
  B: {Type: AWS::S3::Bucket}
)");
  EXPECT_EQ(find(s.findings, "S1", "A")->compliance, Compliance::kSuppressed);
  EXPECT_EQ(find(s.findings, "S1", "B")->exception_reason,
            "Buckets in this stack are scratch space");
}

TEST(Suppressions, CfnNagAndCheckovAreMapped) {
  Scan s = scan(R"(Resources:
  A:
    Type: AWS::S3::Bucket
    Metadata:
      cfn_nag:
        rules_to_suppress:
          - id: W35
            reason: Access logging is done by CloudTrail data events.
          - id: W9999
            reason: cfn_nag-only rule that sluice does not have
  B:
    Type: AWS::EC2::SecurityGroup
    Metadata:
      checkov:
        skip:
          - id: CKV_AWS_260
            comment: Public web server behind a WAF-protected endpoint.
    Properties:
      GroupDescription: web
      SecurityGroupIngress: [{CidrIp: 0.0.0.0/0, IpProtocol: tcp, FromPort: 80, ToPort: 80}]
)");
  EXPECT_EQ(find(s.findings, "S1", "A")->compliance, Compliance::kSuppressed);
  EXPECT_EQ(find(s.findings, "EC23", "B")->compliance, Compliance::kSuppressed);
  EXPECT_EQ(find(s.findings, "EC23", "B")->exception_reason,
            "Public web server behind a WAF-protected endpoint.");
  EXPECT_EQ(checkov_to_rule("CKV_AWS_18"), "AwsSolutions-S1");
  EXPECT_EQ(cfn_nag_to_rule("W2"), "AwsSolutions-EC23");
  EXPECT_EQ(checkov_to_rule("CKV_NOPE"), "");
}

TEST(Suppressions, InvalidSuppressionsAreErrorsWithPositionAndDoNotApply) {
  Scan s = scan(R"(Resources:
  A:
    Type: AWS::S3::Bucket
    Metadata:
      cdk_nag:
        rules_to_suppress:
          - id: AwsSolutions-S1
            reason: short
          - id: AwsSolutions-IAM5[Action::*]
            reason: a long enough reason here
          - reason: a long enough reason here
          - id: AwsSolutions-S10
            reason: a long enough reason here
            applies_to: [{regex: "/(unclosed/"}]
)");
  EXPECT_EQ(find(s.findings, "S1", "A")->compliance, Compliance::kNonCompliant);
  EXPECT_EQ(find(s.findings, "S10", "A")->compliance, Compliance::kNonCompliant);
  ASSERT_EQ(s.diagnostics.error_count(), 4u) << s.diagnostics.format();
  const auto& items = s.diagnostics.items();
  EXPECT_EQ(items[0].pos.file, "stack.yaml");
  EXPECT_EQ(items[0].pos.line, 8);
  EXPECT_NE(items[0].message.find("10 characters"), std::string::npos);
  EXPECT_NE(items[1].message.find("[finding]"), std::string::npos);
  EXPECT_NE(items[2].message.find("no rule id"), std::string::npos);
  EXPECT_NE(items[3].message.find("regex"), std::string::npos);
}

TEST(Suppressions, StaleSuppressionsAreWarnings) {
  Scan s = scan(R"(Resources:
  A:
    Type: AWS::SQS::Queue
    Metadata:
      cdk_nag:
        rules_to_suppress:
          - id: AwsSolutions-SQS2
            reason: The queue is encrypted by default, nothing to suppress.
    Properties: {}
)");
  EXPECT_EQ(s.diagnostics.error_count(), 0u);
  ASSERT_EQ(s.diagnostics.items().size(), 1u);
  EXPECT_EQ(s.diagnostics.items()[0].severity, Severity::kWarning);
  EXPECT_NE(s.diagnostics.items()[0].message.find("stale"), std::string::npos);
  EXPECT_EQ(s.diagnostics.items()[0].pos.line, 7);
}

TEST(Suppressions, UnknownIsSuppressedByRuleOrValidationFailure) {
  Scan s = scan(R"(Parameters: {Cidr: {Type: String}}
Resources:
  A:
    Type: AWS::EC2::SecurityGroup
    Metadata:
      cdk_nag:
        rules_to_suppress:
          - id: CdkNagValidationFailure
            reason: The CIDR comes from the deploy pipeline and is reviewed there.
            applies_to: [AwsSolutions-EC23]
    Properties:
      GroupDescription: sg
      SecurityGroupIngress: [{CidrIp: !Ref Cidr, IpProtocol: tcp}]
)");
  EXPECT_EQ(find(s.findings, "EC23", "A")->compliance, Compliance::kSuppressed);
}

class SuppressionsFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("sluice-supp-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string write(const std::string& text) {
    std::string path = (dir_ / "suppressions.yml").string();
    std::ofstream(path) << text;
    return path;
  }
  fs::path dir_;
};

TEST_F(SuppressionsFile, MatchesLogicalIdAndCdkPathGlobWithExpiry) {
  Diagnostics d;
  auto loaded = load_suppressions_file(write(R"(suppressions:
  - rule: AwsSolutions-S1
    resource: App/Logs*/Resource
    reason: Log buckets do not log themselves.
  - rule: AwsSolutions-S10
    resource: Data
    reason: Temporary exception until the migration lands.
    expires: 2000-01-01
  - rule: AwsSolutions-IAM5
    resource: Role
    findings: ["/^Action::s3:.*$/"]
    reason: Scoped by the bucket's own policy.
  - rule: AwsSolutions-SQS3
    resource: Nothing
    reason: This one matches nothing at all.
  - rule: AwsSolutions-S1
    reason: no resource given here
)"),
                                       "2026-06-01", d);
  ASSERT_TRUE(loaded.ok()) << loaded.error().format();
  EXPECT_EQ(loaded->size(), 4u);
  EXPECT_EQ(d.error_count(), 1u);  // the entry without resource
  Scan s = scan(R"(Resources:
  Logs:
    Type: AWS::S3::Bucket
    Metadata: {aws:cdk:path: App/LogsBucket/Resource}
  Data: {Type: AWS::S3::Bucket}
  Role:
    Type: AWS::IAM::Role
    Properties:
      Policies: [{PolicyName: p, PolicyDocument: {Statement: [{Effect: Allow, Action: "s3:*", Resource: "*"}]}}]
)",
                *loaded);
  EXPECT_EQ(find(s.findings, "S1", "Logs")->compliance, Compliance::kSuppressed);
  EXPECT_EQ(find(s.findings, "S1", "Data")->compliance, Compliance::kNonCompliant);
  EXPECT_EQ(find(s.findings, "S10", "Data")->compliance, Compliance::kNonCompliant);  // expired
  EXPECT_EQ(find(s.findings, "IAM5", "Role", "Action::s3:*")->compliance, Compliance::kSuppressed);
  EXPECT_EQ(find(s.findings, "IAM5", "Role", "Resource::*")->compliance, Compliance::kNonCompliant);
  Diagnostics stale;
  report_stale_file_suppressions(*loaded, "2026-06-01", stale);
  ASSERT_EQ(stale.items().size(), 1u);
  EXPECT_NE(stale.items()[0].message.find("Nothing"), std::string::npos);
  bool expired_warned = false;
  for (const auto& item : d.items())
    expired_warned |= item.message.find("expired") != std::string::npos;
  EXPECT_TRUE(expired_warned);
}

TEST_F(SuppressionsFile, MalformedFileIsAnError) {
  Diagnostics d;
  auto loaded = load_suppressions_file(write("suppressions: [unclosed\n"), "2026-01-01", d);
  ASSERT_FALSE(loaded.ok());
  EXPECT_GT(loaded.error().pos.line, 0);
}

}  // namespace
}  // namespace sluice::scan
