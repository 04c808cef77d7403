// The data model of the secrets pack: rules and allowlists with the fields of gitleaks'
// TOML configuration, compiled for RE2. Built-in rules (builtin_rules.h) and user
// configs (gitleaks_config.h) both produce a RuleSet; the Detector runs one.
#pragma once

#include <re2/re2.h>

#include <memory>
#include <string>
#include <vector>

#include "core/result.h"

namespace sluice::scan::secrets {

// What an allowlist regex is matched against (gitleaks' regexTarget).
enum class RegexTarget { kSecret, kMatch, kLine };

// An exception list. With condition OR (the default) one matching criterion lets a
// finding through; with AND every criterion that is set must match.
struct Allowlist {
  std::string description;
  bool condition_and = false;
  RegexTarget regex_target = RegexTarget::kSecret;
  std::vector<std::unique_ptr<RE2>> regexes;
  std::vector<std::unique_ptr<RE2>> paths;
  std::vector<std::string> commits;
  std::vector<std::string> stopwords;  // lowercased; matched as substrings of the secret

  bool empty() const {
    return regexes.empty() && paths.empty() && commits.empty() && stopwords.empty();
  }
};

// One detection rule. A rule has a content regex, a path regex, or both; a rule with
// only a path reports files whose path matches.
// A cheap test of the bytes after a keyword occurrence, for built-in rules whose regex
// requires an assignment right after the keyword. A hit that fails it opens no regex
// window; it never changes what the regex would find, only how often it runs.
enum class HitFilter {
  kNone,
  kAssignment,        // [A-Za-z0-9_.-]* ["']? [ \t]* then ':' or '='
  kQuotedAssignment,  // the same, then [:=>]* [ \t]* and a quote
};

struct SecretRule {
  std::string id;
  std::string description;
  std::string remediation;
  std::unique_ptr<RE2> regex;         // null for path-only rules
  int secret_group = 0;               // 0: the first non-empty capture group, else the match
  double entropy = 0;                 // 0: no threshold; else the secret's must exceed it
  std::vector<std::string> keywords;  // lowercased; empty: the rule runs on every fragment
  std::unique_ptr<RE2> path;          // null: every file
  // A rule whose matches may span lines (a PEM block) runs over the whole fragment once
  // a keyword is seen; other rules run only over the lines that contain a keyword.
  bool multiline = false;
  HitFilter hit_filter = HitFilter::kNone;
  std::vector<Allowlist> allowlists;
};

struct RuleSet {
  std::vector<SecretRule> rules;
  std::vector<Allowlist> global_allowlists;
};

// Compiles a pattern written in Go/RE2 syntax. Pure-ASCII patterns run in Latin-1 mode
// (byte-oriented, faster, and any byte sequence is valid input); patterns with non-ASCII
// characters keep UTF-8 semantics. Returns RE2's message on failure: RE2 rejects
// backreferences and look-arounds, which is what keeps scans linear-time.
Result<std::unique_ptr<RE2>> compile_pattern(const std::string& pattern);

}  // namespace sluice::scan::secrets
