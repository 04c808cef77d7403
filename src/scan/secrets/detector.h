// Runs a RuleSet over one fragment of text (a file's content, or the lines a commit added
// to a file) and returns the secrets it finds, after allow comments and allowlists.
//
// Pipeline per fragment: global path allowlist -> keyword prefilter (one Aho-Corasick pass)
// -> each rule's RE2 regex, only over the lines holding one of its keywords (or the whole
// fragment for multi-line rules) -> secret group, entropy threshold -> allow comments ->
// rule and global allowlists -> generic rules yield to specific ones on the same secret.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "scan/secrets/keyword_matcher.h"
#include "scan/secrets/secret_rule.h"

namespace sluice::scan::secrets {

struct Fragment {
  std::string_view path;  // repository-relative, '/'-separated: what path regexes see
  std::string_view text;
  std::string_view commit;  // "" for working-tree files
  // Line number in the file of each line of `text` (added lines of a diff are not
  // contiguous); null when line i of the text is line i of the file.
  const std::vector<int>* line_numbers = nullptr;
};

// One detected secret. `secret` holds the credential itself: it exists only so the pack
// can redact and fingerprint it, and must never be copied into reports or diagnostics.
struct SecretMatch {
  size_t rule_index = 0;
  int line = 0;    // 1-based line in the file of the secret's first byte
  int column = 0;  // 1-based byte column
  std::string secret;
};

// Not thread-safe: detect() reuses scratch buffers. Use one Detector per thread.
class Detector {
 public:
  explicit Detector(RuleSet rules);

  const RuleSet& rules() const { return rules_; }

  // Work done per rule, for benchmarks and tuning the prefilter.
  struct RuleStats {
    uint64_t regex_calls = 0;
    uint64_t regex_bytes = 0;
  };
  const std::vector<RuleStats>& stats() const { return stats_; }
  void detect(const Fragment& fragment, std::vector<SecretMatch>& out);

 private:
  struct Window {
    size_t begin, end;
  };

  void run_rule(size_t rule_index, const Fragment& fragment, size_t begin, size_t end,
                std::vector<SecretMatch>& out);
  bool fragment_allowed(const Fragment& fragment) const;
  bool finding_allowed(const SecretRule& rule, const Fragment& fragment, std::string_view secret,
                       std::string_view match, std::string_view line) const;
  void index_lines(std::string_view text);
  size_t line_index(size_t offset) const;  // 0-based line of a byte offset

  RuleSet rules_;
  std::vector<std::string> keywords_;               // deduplicated, lowercased
  std::vector<std::vector<size_t>> keyword_rules_;  // keyword -> rules that list it
  std::vector<size_t> unconditional_rules_;         // rules without keywords
  KeywordMatcher matcher_;

  // Scratch, reused across fragments.
  std::vector<KeywordMatcher::Hit> hits_;
  std::vector<std::vector<Window>> windows_;  // per rule
  std::vector<char> active_;                  // per rule: its path filter admits the fragment
  std::vector<size_t> line_starts_;
  bool lines_indexed_ = false;
  std::vector<re2::StringPiece> groups_;
  std::vector<RuleStats> stats_;
};

// True for rules that flag any random-looking assignment ("generic-secret",
// gitleaks' "generic-api-key"): their findings are dropped where a specific rule already
// reported the same secret.
bool is_generic_rule(std::string_view rule_id);

}  // namespace sluice::scan::secrets
