// Every built-in rule: one text it must flag (true positive) and one look-alike it must
// not (false positive). Secrets are assembled at run time from fake_secrets.h.
#include "scan/secrets/builtin_rules.h"

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

#include "fake_secrets.h"
#include "scan/secrets/detector.h"

namespace sluice::scan::secrets {
namespace {

using namespace testing;  // fake(), alphabets
using ::testing::TestWithParam;
using ::testing::ValuesIn;

struct RuleCase {
  std::string rule;
  std::string path;
  std::string positive;  // must produce a finding of `rule`
  std::string negative;  // must produce no finding of `rule`
};

std::vector<RuleCase> cases() {
  const std::string q = "\"";
  return {
      {"aws-access-key-id", "deploy.sh",
       "export AWS_ACCESS_KEY_ID=" + std::string("AK") + "IA" + fake(kUpper32, 16),
       "id = " + std::string("AK") + "IA" + "IOSFODNN7" +
           "EXAMPLE and AK"
           "IA" +
           fake(kUpper32, 12)},
      {"aws-secret-access-key", "config.py",
       "aws_secret_access_key = " + q + fake(kBase64, 40, 3) + q,
       "aws_secret_access_key = " + q + std::string(40, 'a') + q + "\naws_region = \"us-east-1\""},
      {"private-key", "id_rsa",
       "-----BEGIN RSA "
       "PRIVATE KEY-----\n" +
           fake(kBase64, 64, 1) + "\n" + fake(kBase64, 64, 2) + "\n" + fake(kBase64, 40, 3) +
           "\n-----END RSA "
           "PRIVATE KEY-----\n",
       "-----BEGIN PUBLIC KEY-----\n" + fake(kBase64, 64) +
           "\n-----END PUBLIC KEY-----\n"
           "-----BEGIN RSA "
           "PRIVATE KEY-----\n...\n-----END RSA "
           "PRIVATE KEY-----\n"},
      {"private-key", "key.pem",
       "-----BEGIN OPENSSH "
       "PRIVATE KEY-----\n" +
           fake(kBase64, 70, 4) + "\n" + fake(kBase64, 70, 5) +
           "\n-----END OPENSSH "
           "PRIVATE KEY-----",
       "BEGIN OPENSSH "
       "PRIVATE KEY without the armour " +
           fake(kBase64, 100)},
      {"github-pat", "ci.yml", "token: " + std::string("gh") + "p_" + fake(kAlnum, 36),
       "token: " + std::string("gh") + "p_" + fake(kAlnum, 20)},
      {"github-fine-grained-pat", "ci.yml",
       "GH_TOKEN=" + std::string("github") + "_pat_" + fake(std::string(kAlnum) + "_", 82),
       "GH_TOKEN=" + std::string("github") + "_pat_" + fake(kAlnum, 30)},
      {"github-oauth", "app.json",
       q + "oauth" + q + ": " + q +
           "gh"
           "o_" +
           fake(kAlnum, 36) + q,
       q + "oauth" + q + ": " + q +
           "gh"
           "o_" +
           fake(kAlnum, 35) + "!" + q},
      {"github-app-token", "app.js",
       "const t = 'gh"
       "s_" +
           fake(kAlnum, 36) + "';",
       "const t = 'gh"
       "x_" +
           fake(kAlnum, 36) + "';"},
      {"github-refresh-token", "app.js",
       "refresh('gh"
       "r_" +
           fake(kAlnum, 36) + "')",
       "refresh('gh"
       "r_" +
           fake(kAlnum, 10) + "')"},
      {"gitlab-pat", ".gitlab-ci.yml",
       "PRIVATE_TOKEN: gl"
       "pat-" +
           fake(kUrlSafe, 20),
       "PRIVATE_TOKEN: gl"
       "pat-" +
           fake(kAlnum, 10)},
      {"gitlab-ptt", "trigger.sh",
       "curl -F token=gl"
       "ptt-" +
           fake(kHex, 40),
       "curl -F token=gl"
       "ptt-" +
           fake("ghijklmnop", 40)},
      {"gitlab-rrt", "register.sh",
       "--registration-token GR13"
       "48941" +
           fake(kUrlSafe, 20),
       "--registration-token GR13"
       "48941" +
           fake(kAlnum, 5)},
      {"slack-bot-token", "bot.py",
       "SLACK = 'xo"
       "xb-" +
           fake(kDigits, 11) + "-" + fake(kDigits, 12) + "-" + fake(kAlnum, 24) + "'",
       "SLACK = 'xo"
       "xb-abc'"},
      {"slack-user-token", "bot.py",
       "u = 'xo"
       "xp-" +
           fake(kDigits, 10) + "-" + fake(kDigits, 11) + "-" + fake(kDigits, 12) + "-" +
           fake(kHex, 32) + "'",
       "u = 'xo"
       "xp-123-456'"},
      {"slack-app-token", "bot.py",
       "a = 'xa"
       "pp-1-A" +
           fake("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 10) + "-" + fake(kDigits, 13) + "-" +
           fake(kHex, 64) + "'",
       "a = 'xa"
       "pp-x'"},
      {"slack-webhook", "notify.sh",
       "curl https://hooks.slack.com/services/T" + fake(kUpper32, 8) + "/B" + fake(kUpper32, 8) +
           "/" + fake(kAlnum, 24),
       "see https://hooks.slack.com/services/ for how to create one"},
      {"stripe-secret-key", "pay.rb",
       "Stripe.api_key = 'sk"
       "_live_" +
           fake(kAlnum, 24) + "'",
       "Stripe.api_key = 'pk"
       "_live_" +
           fake(kAlnum, 24) +
           "' # sk"
           "_live_abc"},
      {"google-api-key", "index.html",
       "key=AI"
       "za" +
           fake(kUrlSafe, 35, 9) + "&callback=init",
       "key=AI"
       "za" +
           fake(kAlnum, 20) + "&callback=init"},
      {"gcp-oauth-client-secret", "client.json",
       q + "client_secret" + q + ":" + q +
           "GOC"
           "SPX-" +
           fake(kAlnum, 28) + q,
       q + "note" + q + ":" + q +
           "GOC"
           "SPX-" +
           fake(kAlnum, 10) + q},
      {"npm-token", ".npmrc",
       "//registry.npmjs.org/:_authToken=np"
       "m_" +
           fake(kAlnum, 36),
       "run np"
       "m_install_dependencies"},
      {"pypi-token", ".pypirc",
       "password = py"
       "pi-AgEIcHlwaS5vcmc" +
           fake(kUrlSafe, 60),
       "password = py"
       "pi-AgEIcHlwaS5vcmc" +
           fake(kAlnum, 10)},
      {"jwt", "request.http",
       "Authorization: Bearer ey"
       "J" +
           fake(kAlnum, 20) +
           ".ey"
           "J" +
           fake(kAlnum, 30) + "." + fake(kUrlSafe, 43),
       "the header starts with ey"
       "JhbGciOi and that is all"},
      {"generic-secret", "settings.py",
       "DB_PASSWORD = " + q + fake(std::string(kAlnum) + "!@#%^&*", 20) + q,
       "DB_PASSWORD = " + q + "aaaaaaaaaaaa" + q + "\napi_key = os.environ[" + q + "API_KEY" + q +
           "]\ntoken = " + q + "changeme-" + fake(kAlnum, 16) + q},
      {"dotenv-secret", ".env", "DB_PASSWORD=" + fake(kAlnum, 20), "DB_PASSWORD=hunter"},
      {"url-credentials", "database.yml",
       "url: postgres://admin:" + fake(kAlnum, 16) + "@db.internal:5432/app",
       "url: https://user:password@example.com/ and https://example.com/path"},
      {"heroku-api-key", "deploy.sh",
       "HEROKU_API_KEY=" + fake(kHex, 8) + "-" + fake(kHex, 4) + "-" + fake(kHex, 4) + "-" +
           fake(kHex, 4) + "-" + fake(kHex, 12),
       "HEROKU_APP=my-app"},
      {"sendgrid-api-token", "mail.py",
       "key = 'S"
       "G." +
           fake(kUrlSafe, 22) + "." + fake(kUrlSafe, 43) + "'",
       "key = 'S"
       "G." +
           fake(kAlnum, 5) + "'"},
      {"mailchimp-api-key", "mail.py", "MC = '" + fake(kHex, 32) + "-us12'",
       "MC = '" + fake(kHex, 20) + "-us12'"},
      {"shopify-token", "shop.rb",
       "token = 'shp"
       "at_" +
           fake(kHex, 32) + "'",
       "token = 'shp"
       "at_" +
           fake("ghijklmnopqrstuvwxyz", 32) + "'"},
      {"digitalocean-pat", "do.tf",
       "token = \"do"
       "p_v1_" +
           fake(kHex, 64) + "\"",
       "token = \"do"
       "p_v1_" +
           fake(kHex, 10) + "\""},
      {"openai-api-key", "ai.py",
       "client = OpenAI(api_key='sk-proj-" + fake(kAlnum, 24) +
           "T3Blbk"
           "FJ" +
           fake(kAlnum, 24) + "')",
       "model = 'sk-" + fake(kAlnum, 48) + "'"},
      {"anthropic-api-key", "ai.py",
       "key = 'sk-ant-"
       "api03-" +
           fake(kUrlSafe, 93) + "AA'",
       "key = 'sk-ant-"
       "api03-" +
           fake(kAlnum, 10) + "'"},
      {"azure-storage-account-key", "appsettings.json",
       "DefaultEndpointsProtocol=https;AccountName=acct;Account"
       "Key=" +
           fake(kBase64, 86) + "==;EndpointSuffix=core.windows.net",
       "AccountName=acct;Account"
       "Key=" +
           fake(kBase64, 10)},
      {"hashicorp-vault-token", "vault.sh",
       "VAULT_TOKEN=hv"
       "s." +
           fake(kUrlSafe, 95),
       "VAULT_TOKEN=hv"
       "s." +
           fake(kAlnum, 20)},
      {"databricks-api-token", "job.py",
       "token = 'da"
       "pi" +
           fake(kHex, 32) + "'",
       "header = 'da"
       "pi-version'"},
      {"age-secret-key", "keys.txt",
       "AGE-SECRET"
       "-KEY-1" +
           fake(kBech32, 58),
       "AGE-SECRET"
       "-KEY-1" +
           fake(kBech32, 10)},
      {"telegram-bot-api-token", "bot.py",
       "TELEGRAM_BOT = '" + fake(kDigits, 10) + ":A" + fake(kUrlSafe, 34) + "'",
       "telegram_chat = 12345"},
  };
}

std::set<std::string> rule_ids_found(Detector& detector, const std::string& path,
                                     const std::string& text) {
  std::vector<SecretMatch> matches;
  detector.detect(Fragment{path, text, "", nullptr}, matches);
  std::set<std::string> ids;
  for (const auto& m : matches) ids.insert(detector.rules().rules[m.rule_index].id);
  return ids;
}

class BuiltinRuleTest : public TestWithParam<RuleCase> {
 protected:
  Detector detector{builtin_rule_set()};
};

TEST_P(BuiltinRuleTest, FlagsTruePositive) {
  const auto& c = GetParam();
  EXPECT_TRUE(rule_ids_found(detector, c.path, c.positive).contains(c.rule)) << c.positive;
}

TEST_P(BuiltinRuleTest, FlagsTruePositiveAtEndOfLineAndMidFile) {
  const auto& c = GetParam();
  const std::string text = "first line\n" + c.positive + "\nlast line\n";
  EXPECT_TRUE(rule_ids_found(detector, c.path, text).contains(c.rule));
}

TEST_P(BuiltinRuleTest, IgnoresFalsePositive) {
  const auto& c = GetParam();
  EXPECT_FALSE(rule_ids_found(detector, c.path, c.negative).contains(c.rule)) << c.negative;
}

INSTANTIATE_TEST_SUITE_P(Rules, BuiltinRuleTest, ValuesIn(cases()), [](const auto& info) {
  std::string name = info.param.rule + "_" + std::to_string(info.index);
  for (char& c : name)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return name;
});

TEST(BuiltinRules, EveryRuleHasACaseAndDocumentation) {
  std::set<std::string> covered;
  for (const auto& c : cases()) covered.insert(c.rule);
  for (const auto& spec : builtin_rule_specs()) {
    EXPECT_TRUE(covered.contains(spec.id)) << spec.id << " has no test case";
    EXPECT_FALSE(std::string(spec.description).empty()) << spec.id;
    EXPECT_FALSE(std::string(spec.remediation).empty()) << spec.id;
  }
  EXPECT_GE(builtin_rule_specs().size(), 30u);
}

TEST(BuiltinRules, DocumentationListsEveryRule) {
  std::ifstream in(std::string(SLUICE_TEST_DATA) + "/../docs/secret-scanning.md");
  ASSERT_TRUE(in) << "docs/secret-scanning.md";
  std::stringstream doc;
  doc << in.rdbuf();
  for (const auto& spec : builtin_rule_specs()) {
    EXPECT_NE(doc.str().find("| `" + std::string(spec.id) + "` |"), std::string::npos)
        << spec.id << " is missing from the rules table";
  }
}

TEST(BuiltinRules, AllCompileUnderRe2) {
  for (const auto& spec : builtin_rule_specs()) {
    EXPECT_TRUE(compile_rule_spec(spec).ok()) << spec.id;
  }
}

TEST(BuiltinRules, DotenvRuleOnlyAppliesToEnvFiles) {
  Detector detector{builtin_rule_set()};
  const std::string text = "DB_PASSWORD=" + fake(kAlnum, 20);
  EXPECT_TRUE(rule_ids_found(detector, "deploy/.env.production", text).contains("dotenv-secret"));
  EXPECT_FALSE(rule_ids_found(detector, "notes.txt", text).contains("dotenv-secret"));
}

TEST(BuiltinRules, LockFilesAreAllowlisted) {
  Detector detector{builtin_rule_set()};
  const std::string text =
      "token = 'gh"
      "p_" +
      fake(kAlnum, 36) + "'";
  EXPECT_TRUE(rule_ids_found(detector, "web/package-lock.json", text).empty());
  EXPECT_FALSE(rule_ids_found(detector, "web/package.json", text).empty());
}

}  // namespace
}  // namespace sluice::scan::secrets
