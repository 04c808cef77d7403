#include "scan/scan_runner.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "core/json.h"

namespace sluice::scan {
namespace {

namespace fs = std::filesystem;

class ScanRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("sluice-scan-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string write(const std::string& rel, const std::string& text) {
    fs::path p = dir_ / rel;
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
    return p.string();
  }
  ScanResult run(std::vector<std::string> paths, ScanOptions o = {}) {
    o.paths = std::move(paths);
    o.packs = {"aws-solutions"};
    o.root = dir_.string();
    return run_scan(o);
  }
  fs::path dir_;
};

constexpr const char* kOpenBucket = R"({
  "Resources": {
    "Bucket": {"Type": "AWS::S3::Bucket", "Metadata": {"aws:cdk:path": "App/Bucket/Resource"}}
  }
})";

constexpr const char* kQueue =
    "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties: {RedrivePolicy: "
    "{deadLetterTargetArn: x}}\n";

TEST_F(ScanRunnerTest, WalksDirectoriesHonouringGitignoreAndSkipsNonTemplates) {
  write("infra/app.template.json", kOpenBucket);
  write("infra/queue.yaml", kQueue);
  write("package.json", R"({"name": "x"})");
  write("broken-config.json", "{ not json");
  write("build/ignored.json", kOpenBucket);
  write("infra/skip.yaml", kOpenBucket);
  write(".gitignore", "build/\n*.log\n");
  write("infra/.gitignore", "skip.yaml\n");
  ScanResult r = run({dir_.string()});
  EXPECT_EQ(r.files_scanned, 2) << r.diagnostics.format();
  EXPECT_FALSE(r.diagnostics.has_errors()) << r.diagnostics.format();
  std::set<std::string> files;
  for (const auto& f : r.findings) files.insert(f.file);
  EXPECT_EQ(files, (std::set<std::string>{"infra/app.template.json", "infra/queue.yaml"}));
}

TEST_F(ScanRunnerTest, CdkOutManifestListsStacks) {
  write("cdk.out/manifest.json", R"({"version": "36.0.0", "artifacts": {
    "App": {"type": "aws:cloudformation:stack", "properties": {"templateFile": "App.template.json"}},
    "Tree": {"type": "cdk:tree", "properties": {"file": "tree.json"}}}})");
  write("cdk.out/tree.json", "{}");
  write("cdk.out/App.template.json", kOpenBucket);
  write("cdk.out/asset.123/other.template.json", kOpenBucket);  // not listed: not scanned
  ScanResult r = run({(dir_ / "cdk.out").string()});
  EXPECT_EQ(r.files_scanned, 1);
  ASSERT_FALSE(r.findings.empty());
  EXPECT_EQ(r.findings[0].file, "cdk.out/App.template.json");
  EXPECT_EQ(r.findings[0].cdk_path, "App/Bucket/Resource");
  EXPECT_EQ(r.findings[0].line, 3);
}

TEST_F(ScanRunnerTest, ExitCodes) {
  std::string bucket = write("b.json", kOpenBucket);
  ScanResult r = run({bucket});
  EXPECT_EQ(scan_exit_code(r, FailOn::kError), 1);
  EXPECT_EQ(scan_exit_code(r, FailOn::kNone), 0);
  std::string key = write(
      "k.yaml",
      "Resources:\n  K:\n    Type: AWS::KMS::Key\n    Properties: {EnableKeyRotation: true}\n");
  ScanResult clean = run({key});
  EXPECT_EQ(scan_exit_code(clean, FailOn::kError), 0);
  std::string table = write("t.yaml", "Resources:\n  T:\n    Type: AWS::DynamoDB::Table\n");
  ScanResult warn = run({table});  // DDB3 is a warning
  EXPECT_EQ(scan_exit_code(warn, FailOn::kError), 0);
  EXPECT_EQ(scan_exit_code(warn, FailOn::kWarning), 1);
}

TEST_F(ScanRunnerTest, MalformedOrMissingInputIsExit2WithPosition) {
  std::string bad =
      write("bad.json", "{\n  \"Resources\": {\n    \"B\": {\"Type\": \"AWS::S3::Bucket\"\n}\n");
  ScanResult r = run({bad});
  ASSERT_TRUE(r.diagnostics.has_errors());
  EXPECT_EQ(r.diagnostics.items()[0].pos.file, "bad.json");
  EXPECT_GT(r.diagnostics.items()[0].pos.line, 0);
  EXPECT_EQ(scan_exit_code(r, FailOn::kError), 2);
  ScanResult missing = run({(dir_ / "nope.json").string()});
  EXPECT_EQ(scan_exit_code(missing, FailOn::kError), 2);
  std::string binary = write("bin.yaml", std::string("\x7f"
                                                     "ELF\0\0\0",
                                                     7));
  EXPECT_EQ(scan_exit_code(run({binary}), FailOn::kError), 2);
}

TEST_F(ScanRunnerTest, ParametersFileDecidesUnknowns) {
  std::string t = write("sg.yaml", R"(Parameters: {Cidr: {Type: String}}
Resources:
  Sg:
    Type: AWS::EC2::SecurityGroup
    Properties: {GroupDescription: sg, SecurityGroupIngress: [{CidrIp: !Ref Cidr, IpProtocol: tcp}]}
)");
  auto ec23 = [](const ScanResult& r) {
    for (const auto& f : r.findings) {
      if (f.rule_id == "AwsSolutions-EC23") return f.compliance;
    }
    return Compliance::kCompliant;
  };
  EXPECT_EQ(ec23(run({t})), Compliance::kUnknown);
  ScanOptions o;
  o.parameters_file = write("params.json", R"({"Cidr": "0.0.0.0/0"})");
  EXPECT_EQ(ec23(run({t}, o)), Compliance::kNonCompliant);
  o.parameters_file =
      write("params2.json", R"([{"ParameterKey": "Cidr", "ParameterValue": "10.0.0.0/8"}])");
  EXPECT_EQ(ec23(run({t}, o)), Compliance::kCompliant);
}

TEST_F(ScanRunnerTest, DefaultSuppressionsFileIsPickedUpFromRoot) {
  write(".sluice/suppressions.yml", R"(suppressions:
  - rule: AwsSolutions-S1
    resource: Bucket
    reason: Access logs are collected by CloudTrail data events.
)");
  std::string b = write("b.json", kOpenBucket);
  ScanResult r = run({b});
  bool suppressed = false;
  for (const auto& f : r.findings)
    suppressed |= f.rule_id == "AwsSolutions-S1" && f.compliance == Compliance::kSuppressed;
  EXPECT_TRUE(suppressed);
}

TEST_F(ScanRunnerTest, UnknownPackIsAnError) {
  ScanOptions o;
  o.paths = {dir_.string()};
  o.packs = {"nope"};
  EXPECT_TRUE(run_scan(o).diagnostics.has_errors());
}

TEST_F(ScanRunnerTest, AnnotationsCarryFileLineAndFix) {
  ScanResult r = run({write("b.json", kOpenBucket)});
  auto notes = scan_annotations(r);
  ASSERT_FALSE(notes.empty());
  EXPECT_EQ(notes[0].file, "b.json");
  EXPECT_EQ(notes[0].line, 3);
  EXPECT_NE(notes[0].message.find("fix:"), std::string::npos);
}

}  // namespace
}  // namespace sluice::scan
