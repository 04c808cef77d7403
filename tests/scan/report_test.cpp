#include "scan/report.h"

#include <gtest/gtest.h>

#include "core/json.h"
#include "scan/aws_solutions/pack.h"
#include "scan/cfn/template.h"
#include "scan/suppressions.h"

namespace sluice::scan {
namespace {

// A small result: one compliant, one non-compliant, one suppressed granular, one unknown.
ScanResult sample() {
  auto doc = cfn::parse_document(R"(Parameters: {Cidr: {Type: String}}
Resources:
  Bucket:
    Type: AWS::S3::Bucket
    Metadata: {aws:cdk:path: /App/Bucket/Resource}
    Properties: {LoggingConfiguration: {DestinationBucketName: logs}}
  Role:
    Type: AWS::IAM::Role
    Metadata:
      cdk_nag:
        rules_to_suppress:
          - {id: AwsSolutions-IAM5, reason: "Needs \"all\" actions, by design.", applies_to: ["Action::s3:*"]}
    Properties:
      Policies: [{PolicyName: p, PolicyDocument: {Statement: [{Effect: Allow, Action: "s3:*", Resource: "arn:aws:s3:::b"}]}}]
  Sg:
    Type: AWS::EC2::SecurityGroup
    Properties: {GroupDescription: sg, SecurityGroupIngress: [{CidrIp: !Ref Cidr, IpProtocol: tcp}]}
)",
                                 "infra/app stack.yaml");
  EXPECT_TRUE(doc.ok());
  Diagnostics d;
  auto t = cfn::build_template(std::make_shared<const cfn::CfnNode>(std::move(*doc)),
                               "infra/app stack.yaml", d);
  ScanResult r;
  r.findings = aws::evaluate_template(*t, {});
  std::vector<Suppression> none;
  apply_suppressions(*t, r.findings, none, r.diagnostics);
  r.rules = aws::pack_rule_infos();
  r.files_scanned = 1;
  return r;
}

TEST(Reports, CsvIsCdkNagFormat) {
  std::string csv = write_csv_report(sample());
  EXPECT_EQ(csv.substr(0, csv.find('\n')),
            "Rule ID,Resource ID,Compliance,Exception Reason,Rule Level,Rule Info");
  EXPECT_NE(
      csv.find("\"AwsSolutions-S1\",\"App/Bucket/Resource\",\"Compliant\",\"N/A\",\"Error\","),
      std::string::npos);
  EXPECT_NE(
      csv.find("\"AwsSolutions-S10\",\"App/Bucket/Resource\",\"Non-Compliant\",\"N/A\",\"Error\","),
      std::string::npos);
  EXPECT_NE(csv.find("\"AwsSolutions-IAM5\",\"Role\",\"Suppressed\",\"[Action::s3:*] Needs "
                     "\"\"all\"\" actions, by design.\""),
            std::string::npos);
  EXPECT_NE(csv.find("\"AwsSolutions-EC23\",\"Sg\",\"UNKNOWN\",\"N/A\""), std::string::npos);
  // Every field of every line is quoted: 6 fields = 12 quotes at least, and lines start with a
  // quote.
  size_t pos = csv.find('\n') + 1;
  while (pos < csv.size()) {
    EXPECT_EQ(csv[pos], '"');
    pos = csv.find('\n', pos) + 1;
  }
}

TEST(Reports, JsonHasLinesAndSluiceSection) {
  auto parsed = parse_json(write_json_report(sample()));
  ASSERT_TRUE(parsed.ok());
  const Value* lines = parsed->find("lines");
  ASSERT_TRUE(lines && lines->is_array());
  const Value& first = lines->as_array()[0];
  for (const char* k :
       {"ruleId", "resourceId", "compliance", "exceptionReason", "ruleLevel", "ruleInfo"}) {
    EXPECT_NE(first.find(k), nullptr) << k;
  }
  const Value* findings =
      parsed->find("sluice") ? parsed->find("sluice")->find("findings") : nullptr;
  ASSERT_TRUE(findings && findings->is_array());
  bool granular = false;
  for (const Value& f : findings->as_array()) {
    EXPECT_EQ(f.get("file").as_string(), "infra/app stack.yaml");
    EXPECT_GT(f.get("line").as_number(), 0);
    granular |= f.get("findingId").as_string() == "Action::s3:*";
  }
  EXPECT_TRUE(granular);
  EXPECT_EQ(parsed->find("sluice")->find("summary")->get("suppressed").as_number(), 1);
}

TEST(Reports, SarifHasRequiredPropertiesOf210) {
  auto parsed = parse_json(write_sarif_report(sample()));
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->get("version").as_string(), "2.1.0");
  EXPECT_NE(parsed->get("$schema").as_string().find("sarif-2.1.0"), std::string::npos);
  const Value& runs = parsed->get("runs");
  ASSERT_TRUE(runs.is_array() && runs.as_array().size() == 1);
  const Value& run = runs.as_array()[0];
  const Value& driver = run.get("tool").get("driver");
  EXPECT_EQ(driver.get("name").as_string(), "sluice");
  const Value& rules = driver.get("rules");
  ASSERT_TRUE(rules.is_array());
  EXPECT_EQ(rules.as_array().size(), 131u);
  for (const Value& rule : rules.as_array()) {
    EXPECT_TRUE(rule.get("id").is_string());
    EXPECT_TRUE(rule.get("shortDescription").get("text").is_string());
    EXPECT_TRUE(rule.get("help").get("text").is_string());
    std::string level = rule.get("defaultConfiguration").get("level").as_string();
    EXPECT_TRUE(level == "error" || level == "warning") << level;
  }
  const Value& results = run.get("results");
  ASSERT_TRUE(results.is_array());
  bool saw_suppressed = false;
  for (const Value& r : results.as_array()) {
    EXPECT_TRUE(r.get("ruleId").is_string());
    EXPECT_TRUE(r.get("message").get("text").is_string());  // message.text is required
    std::string level = r.get("level").as_string();
    EXPECT_TRUE(level == "error" || level == "warning" || level == "note");
    int index = static_cast<int>(r.get("ruleIndex").as_number());
    EXPECT_EQ(rules.as_array()[index].get("id").as_string(), r.get("ruleId").as_string());
    const Value& loc = r.get("locations").as_array().at(0).get("physicalLocation");
    EXPECT_EQ(loc.get("artifactLocation").get("uri").as_string(), "infra/app%20stack.yaml");
    EXPECT_GE(loc.get("region").get("startLine").as_number(), 1);
    if (const Value* s = r.find("suppressions")) {
      saw_suppressed = true;
      EXPECT_EQ(s->as_array().at(0).get("kind").as_string(), "inSource");
      EXPECT_FALSE(s->as_array().at(0).get("justification").as_string().empty());
    }
  }
  EXPECT_TRUE(saw_suppressed);
}

TEST(Reports, JunitHasOneTestcasePerRow) {
  ScanResult r = sample();
  std::string xml = write_junit_report(r);
  EXPECT_EQ(xml.rfind("<?xml", 0), 0u);
  size_t cases = 0, pos = 0;
  while ((pos = xml.find("<testcase ", pos)) != std::string::npos) ++cases, ++pos;
  EXPECT_EQ(cases, r.findings.size());
  EXPECT_NE(xml.find("<failure"), std::string::npos);
  EXPECT_NE(xml.find("<skipped message=\"suppressed: [Action::s3:*] Needs &quot;all&quot;"),
            std::string::npos);
}

TEST(Reports, JunitEscapesMarkupAndDropsControlCharacters) {
  ScanResult r = sample();
  ASSERT_FALSE(r.findings.empty());
  for (auto& finding : r.findings) finding.message = "a\x01<b>&'c'";
  std::string xml = write_junit_report(r);
  EXPECT_NE(xml.find("a &lt;b&gt;&amp;&apos;c&apos;"), std::string::npos);
  EXPECT_EQ(xml.find('\x01'), std::string::npos);
}

TEST(Reports, TextGroupsByFileAndResourceWithFix) {
  std::string text = write_text_report(sample());
  EXPECT_EQ(text.rfind("infra/app stack.yaml\n", 0), 0u);
  EXPECT_NE(text.find("  Bucket  (App/Bucket/Resource)  infra/app stack.yaml:3"),
            std::string::npos);
  EXPECT_NE(text.find("error   AwsSolutions-S10"), std::string::npos);
  EXPECT_NE(text.find("fix: "), std::string::npos);
  EXPECT_NE(text.find("unknown AwsSolutions-EC23"), std::string::npos);
  EXPECT_EQ(text.find("AwsSolutions-S1:"), std::string::npos);  // compliant rows are not listed
  EXPECT_NE(text.find("1 suppressed"), std::string::npos);
}

TEST(Reports, FormatNames) {
  EXPECT_EQ(parse_report_format("sarif"), ReportFormat::kSarif);
  EXPECT_EQ(parse_report_format("xml"), std::nullopt);
}

}  // namespace
}  // namespace sluice::scan
