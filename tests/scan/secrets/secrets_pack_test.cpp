#include "scan/secrets/secrets_pack.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "fake_secrets.h"

namespace sluice::scan {
namespace {

namespace fs = std::filesystem;
using secrets::testing::fake;
using secrets::testing::kAlnum;

std::string github_pat(uint32_t seed = 7) {
  return std::string("gh") + "p_" + fake(kAlnum, 36, seed);
}

class SecretsPackTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("sluice-secrets-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_);
  }
  void TearDown() override { fs::remove_all(root_); }

  void write(const std::string& relative, const std::string& content) {
    const fs::path path = root_ / relative;
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << content;
  }

  ScanResult scan(ScanOptions options = {}, SecretsScanLimits limits = {}) {
    options.root = root_.string();
    if (options.paths.empty()) options.paths = {root_.string()};
    ScanResult result;
    run_secrets_pack(options, result, limits);
    return result;
  }

  // Runs a shell command in the scratch directory (for git); fails the test on error.
  void sh(const std::string& command) {
    const std::string full = "cd '" + root_.string() + "' && " + command + " >/dev/null 2>&1";
    ASSERT_EQ(std::system(full.c_str()), 0) << command;
  }

  fs::path root_;
};

TEST_F(SecretsPackTest, ReportsFindingsWithRedactionAndFingerprint) {
  write("src/app.py", "import os\n\nTOKEN = '" + github_pat() + "'\n");
  const ScanResult result = scan();
  ASSERT_EQ(result.findings.size(), 1u);
  const Finding& f = result.findings[0];
  EXPECT_EQ(f.pack, "secrets");
  EXPECT_EQ(f.rule_id, "github-pat");
  EXPECT_EQ(f.level, Level::kError);
  EXPECT_EQ(f.compliance, Compliance::kNonCompliant);
  EXPECT_EQ(f.file, "src/app.py");
  EXPECT_EQ(f.line, 3);
  EXPECT_EQ(f.column, 10);
  EXPECT_EQ(f.resource_id, "src/app.py:3");
  EXPECT_EQ(f.fingerprint, "src/app.py:github-pat:3");
  EXPECT_EQ(f.redacted, "ghp_\xE2\x80\xA6");
  EXPECT_FALSE(f.message.empty());
  EXPECT_EQ(result.files_scanned, 1);
  EXPECT_GT(result.bytes_scanned, 0);
  EXPECT_GE(result.rules.size(), 30u);
  EXPECT_EQ(result.rules[0].pack, "secrets");
}

TEST_F(SecretsPackTest, SecretNeverAppearsInAnyFindingField) {
  const std::string pat = github_pat();
  const std::string password = fake(kAlnum, 24, 11);
  write("a.txt", "x = '" + pat + "'\npassword = \"" + password + "\"\n");
  const ScanResult result = scan();
  ASSERT_EQ(result.findings.size(), 2u);
  for (const auto& f : result.findings) {
    for (const std::string* field :
         {&f.rule_id, &f.pack, &f.file, &f.resource_id, &f.cdk_path, &f.finding_id, &f.message,
          &f.exception_reason, &f.fingerprint, &f.redacted}) {
      EXPECT_EQ(field->find(pat.substr(4)), std::string::npos) << *field;
      EXPECT_EQ(field->find(password.substr(4)), std::string::npos) << *field;
    }
  }
  EXPECT_EQ(result.diagnostics.format().find(pat), std::string::npos);
}

TEST_F(SecretsPackTest, RedactionShowsAtMostFourCharacters) {
  EXPECT_EQ(redact_secret("abcdefghijklmnop"), "abcd\xE2\x80\xA6");
  EXPECT_EQ(redact_secret("abcdefgh"), "ab\xE2\x80\xA6");
  EXPECT_EQ(redact_secret("abc"), "\xE2\x80\xA6");
  EXPECT_EQ(redact_secret("\xff\x01zzzzzzzzzzzzz"), "??zz\xE2\x80\xA6");
}

TEST_F(SecretsPackTest, HonoursGitignoreAndSkipsGitDirectory) {
  write(".gitignore", "# build output\nbuild/\n*.log\n/secret-at-root.txt\n!keep.log\n");
  write("build/out.txt", "t='" + github_pat(1) + "'\n");
  write("debug.log", "t='" + github_pat(2) + "'\n");
  write("keep.log", "t='" + github_pat(3) + "'\n");
  write("secret-at-root.txt", "t='" + github_pat(4) + "'\n");
  write("sub/secret-at-root.txt", "t='" + github_pat(5) + "'\n");
  write("sub/.gitignore", "*.tmp\n");
  write("sub/x.tmp", "t='" + github_pat(6) + "'\n");
  write(".git/config", "t='" + github_pat(7) + "'\n");
  const ScanResult result = scan();
  std::vector<std::string> files;
  for (const auto& f : result.findings) files.push_back(f.file);
  EXPECT_EQ(files, (std::vector<std::string>{"keep.log", "sub/secret-at-root.txt"}));
}

TEST_F(SecretsPackTest, GitignoreAboveTheScannedDirectoryApplies) {
  write(".gitignore", "src/generated/\n");
  write("src/.gitignore", "*.cache\n");
  write("src/generated/out.py", "t='" + github_pat(1) + "'\n");
  write("src/lib/x.cache", "t='" + github_pat(2) + "'\n");
  write("src/lib/app.py", "t='" + github_pat(3) + "'\n");
  ScanOptions options;
  options.paths = {(root_ / "src").string()};
  const ScanResult result = scan(options);
  ASSERT_EQ(result.findings.size(), 1u);
  EXPECT_EQ(result.findings[0].file, "src/lib/app.py");
}

TEST_F(SecretsPackTest, SkipsAndCountsBinaryAndOversizedFiles) {
  std::string binary = "t='" + github_pat() + "'\n";
  binary.push_back('\0');
  write("image.dat", binary);
  write("big.txt", std::string(2000, 'a') + "t='" + github_pat() + "'\n");
  write("small.txt", "t='" + github_pat() + "'\n");
  SecretsScanLimits limits;
  limits.max_file_bytes = 1000;
  const ScanResult result = scan({}, limits);
  EXPECT_EQ(result.files_skipped, 2);
  EXPECT_EQ(result.files_scanned, 1);
  ASSERT_EQ(result.findings.size(), 1u);
  EXPECT_EQ(result.findings[0].file, "small.txt");
}

TEST_F(SecretsPackTest, NonUtf8FilesAreScannedAsBytes) {
  // Latin-1 text and stray continuation bytes around a secret; UTF-16 has NULs (binary).
  write("latin1.txt", "caf\xe9 \x80\xff\n  t='" + github_pat() + "' \xe9\n");
  std::string utf16;
  for (char c : "t='" + github_pat() + "'") {
    utf16.push_back(c);
    utf16.push_back('\0');
  }
  write("utf16.txt", utf16);
  const ScanResult result = scan();
  ASSERT_EQ(result.findings.size(), 1u);
  EXPECT_EQ(result.findings[0].file, "latin1.txt");
  EXPECT_EQ(result.findings[0].line, 2);
  EXPECT_EQ(result.findings[0].column, 6);
  EXPECT_EQ(result.files_skipped, 1);
}

TEST_F(SecretsPackTest, BinaryProbeOnlyLooksAtThePrefix) {
  std::string late_nul = "t='" + github_pat() + "'\n" + std::string(9000, 'x');
  late_nul.push_back('\0');
  write("late.txt", late_nul);
  const ScanResult result = scan();
  EXPECT_EQ(result.files_skipped, 0);
  EXPECT_EQ(result.findings.size(), 1u);
}

TEST_F(SecretsPackTest, FingerprintIgnoreFiles) {
  write("a.py", "t='" + github_pat(1) + "'\n\nu='" + github_pat(2) + "'\n");
  write("b.py", "password = \"" + fake(kAlnum, 24) + "\"\n");
  write(".gitleaksignore", "# reviewed\na.py:github-pat:1\n");
  write(".sluiceignore-secrets", "b.py:generic-secret:1  # test fixture\n");
  const ScanResult result = scan();
  ASSERT_EQ(result.findings.size(), 1u);
  EXPECT_EQ(result.findings[0].fingerprint, "a.py:github-pat:3");
}

TEST_F(SecretsPackTest, ScansExplicitFilesRelativeToRoot) {
  write("conf/app.env", "nothing\n");
  write("conf/.env", "API_TOKEN=" + fake(kAlnum, 30) + "\n");
  ScanOptions options;
  options.paths = {(root_ / "conf" / ".env").string()};
  const ScanResult result = scan(options);
  ASSERT_EQ(result.findings.size(), 1u);
  EXPECT_EQ(result.findings[0].file, "conf/.env");
  EXPECT_EQ(result.findings[0].rule_id, "dotenv-secret");
}

TEST_F(SecretsPackTest, MissingPathIsADiagnostic) {
  ScanOptions options;
  options.paths = {(root_ / "nope").string()};
  const ScanResult result = scan(options);
  EXPECT_TRUE(result.diagnostics.has_errors());
  EXPECT_NE(result.diagnostics.format().find("nope"), std::string::npos);
}

TEST_F(SecretsPackTest, UsesConfigFileAndReportsRejectedRules) {
  write("gitleaks-custom.toml", R"toml(
[[rules]]
id = "acme"
description = "ACME key"
regex = '''acme_[a-z]{12}'''
keywords = ["acme_"]

[[rules]]
id = "bad"
regex = '''(?<=x)y'''
)toml");
  write("a.txt", "k = acme_abcdefghijkl and t='" + github_pat() + "'\n");
  ScanOptions options;
  options.secrets_config_file = (root_ / "gitleaks-custom.toml").string();
  options.paths = {(root_ / "a.txt").string()};
  const ScanResult result = scan(options);
  ASSERT_EQ(result.findings.size(), 1u);
  EXPECT_EQ(result.findings[0].rule_id, "acme");
  ASSERT_EQ(result.rules.size(), 1u);
  EXPECT_EQ(result.rules[0].description, "ACME key");
  ASSERT_EQ(result.diagnostics.error_count(), 1u);
  EXPECT_NE(result.diagnostics.items()[0].message.find("rule bad"), std::string::npos);
}

TEST_F(SecretsPackTest, SinceScansOnlyLinesAddedAfterRevision) {
  sh("git init -q -b main . && git config user.email t@example.com && git config user.name t");
  write("old.py", "t='" + github_pat(1) + "'\n");
  write("app.py", "a = 1\nb = 2\n");
  sh("git add -A && git commit -q -m base && git tag base");
  write("app.py",
        "a = 1\nsecret_ref = 'gh"
        "p_" +
            fake(kAlnum, 36, 2) + "'\nb = 2\n");
  sh("git add -A && git commit -q -m leak");
  write("app.py",
        "a = 1\nsecret_ref = 'gh"
        "p_" +
            fake(kAlnum, 36, 2) + "'\nb = 2\nc = '" + github_pat(3) + "'\n");  // uncommitted
  ScanOptions options;
  options.since_rev = "base";
  const ScanResult result = scan(options);
  ASSERT_FALSE(result.diagnostics.has_errors()) << result.diagnostics.format();
  ASSERT_EQ(result.findings.size(), 2u);
  const Finding& committed = result.findings[0];
  EXPECT_EQ(committed.file, "app.py");
  EXPECT_EQ(committed.line, 2);
  EXPECT_EQ(committed.column, 15);
  EXPECT_EQ(committed.fingerprint.size(), 40 + 1 + std::string("app.py:github-pat:2").size());
  EXPECT_TRUE(committed.fingerprint.ends_with(":app.py:github-pat:2"));
  EXPECT_NE(committed.message.find("commit"), std::string::npos);
  const Finding& uncommitted = result.findings[1];
  EXPECT_EQ(uncommitted.line, 4);
  EXPECT_EQ(uncommitted.fingerprint, "app.py:github-pat:4");

  // The commit fingerprint without its commit also silences it.
  write(".sluiceignore-secrets", "app.py:github-pat:2\n");
  const ScanResult ignored = scan(options);
  ASSERT_EQ(ignored.findings.size(), 1u);
  EXPECT_EQ(ignored.findings[0].line, 4);
}

TEST_F(SecretsPackTest, SinceWithBadRevisionIsADiagnostic) {
  sh("git init -q -b main . && git config user.email t@example.com && git config user.name t");
  write("a.txt", "x\n");
  sh("git add -A && git commit -q -m one");
  ScanOptions options;
  options.since_rev = "no-such-rev";
  EXPECT_TRUE(scan(options).diagnostics.has_errors());
  options.since_rev = "--output=/tmp/pwned";
  const ScanResult injected = scan(options);
  EXPECT_TRUE(injected.diagnostics.has_errors());
  EXPECT_FALSE(fs::exists("/tmp/pwned"));
}

TEST_F(SecretsPackTest, SinceRestrictsToGivenPaths) {
  sh("git init -q -b main . && git config user.email t@example.com && git config user.name t");
  write("a.txt", "x\n");
  sh("git add -A && git commit -q -m one && git tag one");
  write("docs/a.md", "t='" + github_pat(1) + "'\n");
  write("src/b.py", "t='" + github_pat(2) + "'\n");
  sh("git add -A && git commit -q -m two");
  ScanOptions options;
  options.since_rev = "one";
  options.paths = {(root_ / "src").string()};
  const ScanResult result = scan(options);
  ASSERT_EQ(result.findings.size(), 1u);
  EXPECT_EQ(result.findings[0].file, "src/b.py");
}

}  // namespace
}  // namespace sluice::scan
