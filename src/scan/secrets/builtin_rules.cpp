#include "scan/secrets/builtin_rules.h"

#include <stdexcept>

namespace sluice::scan::secrets {

namespace {

// Shared tails. Rotating and revoking comes first in every remediation: a secret that
// reached a repository must be treated as leaked even after the line is removed.
constexpr const char* kRotate =
    "Revoke and rotate it now, then load it from the environment or a secret store";

// Most patterns end with a boundary that RE2 can express without look-arounds: the
// token's alphabet stops (a non-alphabet byte, consumed but outside the secret group)
// or the text ends.
const std::vector<RuleSpec> kSpecs = {
    {.id = "aws-access-key-id",
     .description = "AWS access key ID (AKIA/ASIA/...) that identifies IAM credentials",
     .remediation = "Deactivate the key in IAM, create a new one, and use roles or a secret store",
     .regex = R"re(\b((?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16})(?:[^A-Za-z0-9]|$))re",
     .keywords = {"a3t", "akia", "asia", "abia", "acca"},
     .allow_regexes = {R"re(EXAMPLE$)re"}},
    {.id = "aws-secret-access-key",
     .description = "AWS secret access key assigned to an aws...secret variable",
     .remediation =
         "Deactivate the key pair in IAM and rotate it; use IAM roles instead of static keys",
     .regex =
         R"re((?i)aws[a-z0-9_.-]{0,20}(?:secret|sk)[a-z0-9_.-]{0,20}["']?[ \t]*(?::=|=>|=|:)[ \t]*["']?([A-Za-z0-9/+]{40})(?:[^A-Za-z0-9/+=]|$))re",
     .entropy = 4.0,
     .keywords = {"aws"},
     .hit_filter = HitFilter::kAssignment,
     .allow_stopwords = {"example"}},
    {.id = "private-key",
     .description = "Private key in PEM or OpenSSH format (RSA, EC, DSA, OpenSSH, PGP, PKCS#8)",
     .remediation = "Replace the key pair (reissue certificates, update authorized_keys) and keep "
                    "keys out of the repository",
     .regex =
         R"re(-----BEGIN[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----[\s\S]{64,}?-----END[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----)re",
     .keywords = {"-----begin"},
     .multiline = true},
    {.id = "github-pat",
     .description = "GitHub classic personal access token (ghp_)",
     .remediation = "Revoke it under GitHub Settings > Developer settings and use a fine-grained "
                    "token from a secret store",
     .regex = R"re(\b(ghp_[0-9a-zA-Z]{36})(?:[^0-9a-zA-Z]|$))re",
     .keywords = {"ghp_"}},
    {.id = "github-fine-grained-pat",
     .description = "GitHub fine-grained personal access token (github_pat_)",
     .remediation = "Revoke it under GitHub Settings > Developer settings and store the "
                    "replacement as a CI secret",
     .regex = R"re(\b(github_pat_[0-9a-zA-Z_]{82})(?:[^0-9a-zA-Z_]|$))re",
     .keywords = {"github_pat_"}},
    {.id = "github-oauth",
     .description = "GitHub OAuth access token (gho_)",
     .remediation = "Revoke the OAuth authorization in GitHub and re-authorize the application",
     .regex = R"re(\b(gho_[0-9a-zA-Z]{36})(?:[^0-9a-zA-Z]|$))re",
     .keywords = {"gho_"}},
    {.id = "github-app-token",
     .description = "GitHub App user-to-server or installation token (ghu_/ghs_)",
     .remediation =
         "Revoke the token through the GitHub App and mint short-lived tokens at run time",
     .regex = R"re(\b((?:ghu|ghs)_[0-9a-zA-Z]{36})(?:[^0-9a-zA-Z]|$))re",
     .keywords = {"ghu_", "ghs_"}},
    {.id = "github-refresh-token",
     .description = "GitHub refresh token (ghr_)",
     .remediation = "Revoke the GitHub App authorization that issued it",
     .regex = R"re(\b(ghr_[0-9a-zA-Z]{36,76})(?:[^0-9a-zA-Z]|$))re",
     .keywords = {"ghr_"}},
    {.id = "gitlab-pat",
     .description = "GitLab personal access token (glpat-)",
     .remediation = "Revoke it under GitLab User Settings > Access Tokens and store the new one as "
                    "a CI/CD variable",
     .regex = R"re(\b(glpat-[0-9a-zA-Z_-]{20,})(?:[^0-9a-zA-Z_-]|$))re",
     .keywords = {"glpat-"}},
    {.id = "gitlab-ptt",
     .description = "GitLab pipeline trigger token (glptt-)",
     .remediation = "Revoke the trigger under CI/CD settings and create a new one",
     .regex = R"re(\b(glptt-[0-9a-f]{40})(?:[^0-9a-zA-Z]|$))re",
     .keywords = {"glptt-"}},
    {.id = "gitlab-rrt",
     .description = "GitLab runner registration token (GR1348941)",
     .remediation = "Reset the registration token and register runners with authentication tokens",
     .regex = R"re(\b(GR1348941[0-9a-zA-Z_-]{20})(?:[^0-9a-zA-Z_-]|$))re",
     .keywords = {"gr1348941"}},
    {.id = "slack-bot-token",
     .description = "Slack bot token (xoxb-)",
     .remediation =
         "Regenerate the bot token in the Slack app settings and keep it in a secret store",
     .regex = R"re(\b(xoxb-[0-9]{10,13}-[0-9]{10,13}[a-zA-Z0-9-]*))re",
     .keywords = {"xoxb-"}},
    {.id = "slack-user-token",
     .description = "Slack user or enterprise token (xoxp-/xoxe-)",
     .remediation = "Revoke the token with auth.revoke and reinstall the app",
     .regex = R"re(\b(xox[pe](?:-[0-9]{10,13}){3}-[a-zA-Z0-9-]{28,34}))re",
     .keywords = {"xoxp-", "xoxe-"}},
    {.id = "slack-app-token",
     .description = "Slack app-level token (xapp-)",
     .remediation = "Revoke and regenerate the app-level token in the Slack app settings",
     .regex = R"re((?i)\b(xapp-\d-[A-Z0-9]+-\d+-[a-z0-9]+))re",
     .keywords = {"xapp-"}},
    {.id = "slack-webhook",
     .description = "Slack incoming webhook URL",
     .remediation =
         "Remove the webhook in the Slack app configuration and create a new one kept as a secret",
     .regex =
         R"re((?:https?://)?hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9+/]{43,56})re",
     .keywords = {"hooks.slack.com"}},
    {.id = "stripe-secret-key",
     .description = "Stripe secret or restricted API key (sk_/rk_)",
     .remediation = "Roll the key in the Stripe dashboard and load it from a secret store",
     .regex = R"re(\b((?:sk|rk)_(?:test|live|prod)_[0-9a-zA-Z]{10,99})(?:[^0-9a-zA-Z]|$))re",
     .keywords = {"sk_test", "sk_live", "sk_prod", "rk_test", "rk_live", "rk_prod"}},
    {.id = "google-api-key",
     .description = "Google Cloud / Firebase API key (AIza)",
     .remediation =
         "Delete or regenerate the key in the Google Cloud console and restrict the new key",
     .regex = R"re(\b(AIza[0-9A-Za-z_-]{35})(?:[^0-9A-Za-z_-]|$))re",
     .keywords = {"aiza"}},
    {.id = "gcp-oauth-client-secret",
     .description = "Google OAuth client secret (GOCSPX-)",
     .remediation = "Reset the client secret in the Google Cloud console",
     .regex = R"re(\b(GOCSPX-[a-zA-Z0-9_-]{28})(?:[^0-9A-Za-z_-]|$))re",
     .keywords = {"gocspx-"}},
    {.id = "npm-token",
     .description = "npm access token (npm_)",
     .remediation =
         "Revoke it with `npm token revoke` and use a granular token stored as a CI secret",
     .regex = R"re((?i)\b(npm_[a-z0-9]{36})(?:[^a-z0-9]|$))re",
     .keywords = {"npm_"}},
    {.id = "pypi-token",
     .description = "PyPI upload token (pypi-AgEIcHlwaS5vcmc...)",
     .remediation = "Delete the token in the PyPI account settings; prefer trusted publishing",
     .regex = R"re((pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}))re",
     .keywords = {"pypi-ageichlwas5vcmc"}},
    {.id = "jwt",
     .description =
         "JSON Web Token (header.payload.signature), often a long-lived session or API credential",
     .remediation =
         "Invalidate the token (rotate the signing key if needed) and never commit issued tokens",
     .regex = R"re(\b(eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}={0,2}))re",
     .keywords = {"eyj"}},
    {.id = "generic-secret",
     .description = "Password, secret, token or API key assigned a random-looking quoted value",
     .remediation = kRotate,
     .regex =
         R"re((?i)(?:password|passwd|pwd|secret|token|api[_.-]?key|auth[_.-]?key|access[_.-]?key|credential)[a-z0-9_.-]*["']?[ \t]*(?::=|=>|=|:)[ \t]*["']([^"'\s]{8,})["'])re",
     .secret_group = 1,
     .entropy = 3.5,
     .keywords = {"password", "passwd", "pwd", "secret", "token", "apikey", "api_key", "api-key",
                  "api.key", "authkey", "auth_key", "auth-key", "accesskey", "access_key",
                  "access-key", "credential"},
     .hit_filter = HitFilter::kQuotedAssignment,
     // Identifiers, ARNs, URLs, paths and references are values, not secrets; real
     // secrets nearly always mix in digits or symbols.
     .allow_regexes = {R"re(^[A-Za-z_.-]+$)re", R"re(^arn:)re", R"re(^[a-z][a-z0-9+.-]*://)re",
                       R"re(^[/~.])re", R"re(^\$)re"},
     .allow_stopwords = {"example", "changeme", "placeholder", "dummy", "xxxxxx", "your_", "your-",
                         "redacted", "****", "${", "{{", "$(", "%(", "<", "process.env",
                         "os.environ"}},
    {.id = "dotenv-secret",
     .description = "Unquoted password/secret/token/key value in a .env file",
     .remediation = "Remove the .env file from the repository (add it to .gitignore), rotate the "
                    "values, and commit a .env.example with placeholders",
     .regex =
         R"re((?im)^[ \t]*(?:export[ \t]+)?[A-Z0-9_]*(?:PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY)[A-Z0-9_]*[ \t]*=[ \t]*["']?([^\s"'#]{8,}))re",
     .secret_group = 1,
     .entropy = 3.0,
     .keywords = {"password", "passwd", "secret", "token", "apikey", "api_key", "private_key",
                  "privatekey"},
     .path = R"re((?:^|/)\.env(?:\.[A-Za-z0-9_-]+)?$)re",
     .allow_stopwords = {"example", "changeme", "placeholder", "${", "your_", "<"}},
    {.id = "url-credentials",
     .description = "Password embedded in a URL or connection string (scheme://user:password@host)",
     .remediation = "Take the password out of the URL, rotate it, and inject it at run time",
     .regex = R"re(://([^/\s:@"'`]+):([^/\s:@"'`]{6,})@[a-zA-Z0-9.-])re",
     .secret_group = 2,
     .entropy = 2.5,
     .keywords = {"://"},
     .allow_stopwords = {"password", "passwd", "example", "changeme", "${", "{{", "$(", "<", "%s",
                         "****", "xxxx"}},
    {.id = "heroku-api-key",
     .description = "Heroku API key (UUID assigned to a heroku variable)",
     .remediation = "Regenerate the API key in the Heroku account settings",
     .regex =
         R"re((?i)heroku[a-z0-9_.-]{0,20}["']?[ \t]*(?::=|=>|=|:)[ \t]*["']?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\b)re",
     .keywords = {"heroku"},
     .hit_filter = HitFilter::kAssignment},
    {.id = "sendgrid-api-token",
     .description = "SendGrid API key (SG.)",
     .remediation = "Delete the key in SendGrid settings and create a scoped replacement",
     .regex = R"re(\b(SG\.[a-zA-Z0-9_-]{22}\.[a-zA-Z0-9_-]{43})(?:[^0-9A-Za-z_-]|$))re",
     .keywords = {"sg."}},
    {.id = "mailchimp-api-key",
     .description = "Mailchimp API key (32 hex digits and a -usNN data-center suffix)",
     .remediation = "Disable the key in Mailchimp account settings and create a new one",
     .regex = R"re(\b([0-9a-f]{32}-us[0-9]{1,2})\b)re",
     .keywords = {"-us"}},
    {.id = "shopify-token",
     .description =
         "Shopify access token, custom-app token or shared secret (shpat_/shpca_/shppa_/shpss_)",
     .remediation = "Rotate the token or secret in the Shopify partner dashboard or admin",
     .regex = R"re(\b(shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32})\b)re",
     .keywords = {"shpat_", "shpca_", "shppa_", "shpss_"}},
    {.id = "digitalocean-pat",
     .description = "DigitalOcean personal access or OAuth token (dop_v1_/doo_v1_)",
     .remediation = "Delete the token in the DigitalOcean API settings",
     .regex = R"re(\b(do[op]_v1_[a-f0-9]{64})\b)re",
     .keywords = {"dop_v1_", "doo_v1_"}},
    {.id = "openai-api-key",
     .description = "OpenAI API key (sk-...T3BlbkFJ...)",
     .remediation =
         "Revoke the key in the OpenAI dashboard and use a project-scoped key from a secret store",
     .regex =
         R"re(\b(sk-(?:(?:proj|svcacct|admin)-)?[A-Za-z0-9_-]{20,74}T3BlbkFJ[A-Za-z0-9_-]{20,74})(?:[^0-9A-Za-z_-]|$))re",
     .keywords = {"t3blbkfj"}},
    {.id = "anthropic-api-key",
     .description = "Anthropic API key (sk-ant-api03-/sk-ant-admin01-)",
     .remediation = "Disable the key in the Anthropic console and issue a new one",
     .regex = R"re(\b(sk-ant-(?:api03|admin01)-[a-zA-Z0-9_-]{93}AA)(?:[^0-9A-Za-z_-]|$))re",
     .keywords = {"sk-ant-"}},
    {.id = "azure-storage-account-key",
     .description = "Azure storage account key in a connection string (AccountKey=)",
     .remediation = "Rotate the storage account key and use managed identities or SAS tokens",
     .regex = R"re((?i)AccountKey=([A-Za-z0-9+/]{86}==))re",
     .keywords = {"accountkey="}},
    {.id = "hashicorp-vault-token",
     .description = "HashiCorp Vault service token (hvs.)",
     .remediation = "Revoke it with `vault token revoke` and use short-lived auth methods",
     .regex = R"re(\b(hvs\.[A-Za-z0-9_-]{90,120})(?:[^0-9A-Za-z_-]|$))re",
     .keywords = {"hvs."}},
    {.id = "databricks-api-token",
     .description = "Databricks personal access token (dapi)",
     .remediation = "Revoke the token in the Databricks user settings",
     .regex = R"re(\b(dapi[a-f0-9]{32}(?:-\d)?)\b)re",
     .keywords = {"dapi"}},
    {.id = "age-secret-key",
     .description = "age encryption secret key (AGE-SECRET-KEY-1)",
     .remediation = "Generate a new age identity and re-encrypt what the old one protected",
     .regex = R"re((AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}))re",
     .keywords = {"age-secret-key-1"}},
    {.id = "telegram-bot-api-token",
     .description = "Telegram bot token assigned near a telegram variable",
     .remediation = "Revoke it with BotFather (/revoke) and store the new token as a secret",
     .regex = R"re((?i)telegram[\s\S]{0,40}?\b([0-9]{5,16}:A[a-z0-9_-]{34})(?:[^a-z0-9_-]|$))re",
     .keywords = {"telegram"}},
};

// Files whose content is hashes and integrity digests (lock files) or media: scanning
// them yields only noise. Same spirit as gitleaks' default global allowlist.
const std::vector<const char*> kGlobalAllowPaths = {
    R"re((?i)(?:^|/)(?:package-lock\.json|npm-shrinkwrap\.json|yarn\.lock|pnpm-lock\.yaml|go\.sum|Cargo\.lock|poetry\.lock|Pipfile\.lock|composer\.lock|gradle\.lockfile)$)re",
    R"re((?i)\.(?:png|jpe?g|gif|bmp|ico|pdf|svg|woff2?|ttf|eot|otf|mp[34]|mov|avi|zip|gz|tgz|bz2|xz|7z|jar|class|so|dylib|dll|exe|o|a)$)re",
    R"re((?:^|/)\.?gitleaks\.toml$)re",
};

Result<std::unique_ptr<RE2>> must(const char* id, const std::string& pattern) {
  auto re = compile_pattern(pattern);
  if (!re.ok()) return Error{std::string(id) + ": " + re.error().message, {}};
  return re;
}

}  // namespace

const std::vector<RuleSpec>& builtin_rule_specs() {
  return kSpecs;
}

Result<SecretRule> compile_rule_spec(const RuleSpec& spec) {
  SecretRule rule;
  rule.id = spec.id;
  rule.description = spec.description;
  rule.remediation = spec.remediation;
  rule.secret_group = spec.secret_group;
  rule.entropy = spec.entropy;
  rule.keywords = spec.keywords;
  rule.multiline = spec.multiline;
  rule.hit_filter = spec.hit_filter;
  auto regex = must(spec.id, spec.regex);
  if (!regex.ok()) return regex.error();
  rule.regex = std::move(*regex);
  if (spec.path) {
    auto path = must(spec.id, spec.path);
    if (!path.ok()) return path.error();
    rule.path = std::move(*path);
  }
  if (!spec.allow_regexes.empty() || !spec.allow_stopwords.empty()) {
    Allowlist allow;
    allow.stopwords = spec.allow_stopwords;
    for (const auto& pattern : spec.allow_regexes) {
      auto re = must(spec.id, pattern);
      if (!re.ok()) return re.error();
      allow.regexes.push_back(std::move(*re));
    }
    rule.allowlists.push_back(std::move(allow));
  }
  return rule;
}

RuleSet builtin_rule_set() {
  RuleSet set;
  for (const auto& spec : kSpecs) {
    auto rule = compile_rule_spec(spec);
    if (!rule.ok()) throw std::logic_error("built-in secret rule: " + rule.error().message);
    set.rules.push_back(std::move(*rule));
  }
  Allowlist global;
  global.description = "lock files and binary media";
  for (const char* pattern : kGlobalAllowPaths) {
    auto re = must("global allowlist", pattern);
    if (!re.ok()) throw std::logic_error(re.error().message);
    global.paths.push_back(std::move(*re));
  }
  set.global_allowlists.push_back(std::move(global));
  return set;
}

}  // namespace sluice::scan::secrets
