// The secrets pack's own rules (used when no --config is given, or when a config says
// [extend] useDefault = true). IDs follow gitleaks' where the credential is the same, so
// that ignore files and allow comments written for gitleaks keep working.
#pragma once

#include <string>
#include <vector>

#include "scan/secrets/secret_rule.h"

namespace sluice::scan::secrets {

// A rule before compilation: plain data, listed in docs/secret-scanning.md.
struct RuleSpec {
  const char* id;
  const char* description;
  const char* remediation;
  const char* regex;
  int secret_group = 0;
  double entropy = 0;
  std::vector<std::string> keywords;
  const char* path = nullptr;
  bool multiline = false;
  HitFilter hit_filter = HitFilter::kNone;
  std::vector<std::string> allow_regexes;    // against the secret
  std::vector<std::string> allow_stopwords;  // substrings of the secret
};

const std::vector<RuleSpec>& builtin_rule_specs();

// Compiles the built-in rules and the default global allowlist (lock files, images).
// A failure here is a programmer bug; the unit tests compile every rule.
RuleSet builtin_rule_set();

// Compiles one spec (exposed for the config loader's `useDefault`).
Result<SecretRule> compile_rule_spec(const RuleSpec& spec);

}  // namespace sluice::scan::secrets
