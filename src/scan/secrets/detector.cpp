#include "scan/secrets/detector.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <unordered_map>

#include "scan/secrets/entropy.h"

namespace sluice::scan::secrets {

namespace {

constexpr size_t kWindowMergeGap = 1024;

std::string lowercase(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool contains_allow_comment(std::string_view line) {
  return line.find("gitleaks:allow") != std::string_view::npos ||
         line.find("sluice:allow") != std::string_view::npos;
}

bool any_partial_match(const std::vector<std::unique_ptr<RE2>>& regexes, std::string_view text) {
  for (const auto& re : regexes) {
    if (RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), *re)) return true;
  }
  return false;
}

// gitleaks semantics: with OR any criterion that is set allows; with AND every criterion
// that is set must hold (an empty allowlist allows nothing).
bool allowlist_allows(const Allowlist& allow, std::string_view path, std::string_view commit,
                      std::string_view secret, std::string_view match, std::string_view line) {
  if (allow.empty()) return false;
  std::string_view target = secret;
  if (allow.regex_target == RegexTarget::kMatch) target = match;
  if (allow.regex_target == RegexTarget::kLine) target = line;

  // Cheapest criteria first; OR stops at the first that holds, AND at the first that fails.
  const bool want = !allow.condition_and;
  if (!allow.commits.empty()) {
    const bool hit = !commit.empty() && std::find(allow.commits.begin(), allow.commits.end(),
                                                  commit) != allow.commits.end();
    if (hit == want) return want;
  }
  if (!allow.stopwords.empty()) {
    const std::string lower = lowercase(secret);
    bool hit = false;
    for (const auto& word : allow.stopwords) {
      if (lower.find(word) != std::string::npos) {
        hit = true;
        break;
      }
    }
    if (hit == want) return want;
  }
  if (!allow.paths.empty()) {
    if (any_partial_match(allow.paths, path) == want) return want;
  }
  if (!allow.regexes.empty()) {
    if (any_partial_match(allow.regexes, target) == want) return want;
  }
  // OR: nothing held. AND: nothing failed (and the allowlist is not empty).
  return !want;
}

bool is_identifier_byte(unsigned char c) {
  return std::isalnum(c) || c == '_' || c == '.' || c == '-';
}

// See HitFilter: mirrors the start of the assignment rules' regexes after the keyword.
bool passes_hit_filter(HitFilter filter, std::string_view text, size_t pos) {
  if (filter == HitFilter::kNone) return true;
  const size_t n = text.size();
  while (pos < n && is_identifier_byte(static_cast<unsigned char>(text[pos]))) ++pos;
  if (pos < n && (text[pos] == '"' || text[pos] == '\'')) ++pos;
  while (pos < n && (text[pos] == ' ' || text[pos] == '\t')) ++pos;
  if (pos >= n || (text[pos] != ':' && text[pos] != '=')) return false;
  if (filter == HitFilter::kAssignment) return true;
  while (pos < n && (text[pos] == ':' || text[pos] == '=' || text[pos] == '>')) ++pos;
  while (pos < n && (text[pos] == ' ' || text[pos] == '\t')) ++pos;
  return pos < n && (text[pos] == '"' || text[pos] == '\'');
}

}  // namespace

bool is_generic_rule(std::string_view rule_id) {
  return rule_id.starts_with("generic");
}

Detector::Detector(RuleSet rules) : rules_(std::move(rules)) {
  std::unordered_map<std::string, size_t> index;
  for (size_t r = 0; r < rules_.rules.size(); ++r) {
    auto& rule = rules_.rules[r];
    for (auto& keyword : rule.keywords) keyword = lowercase(keyword);
    rule.keywords.erase(std::remove(rule.keywords.begin(), rule.keywords.end(), std::string()),
                        rule.keywords.end());
    if (rule.keywords.empty()) {
      unconditional_rules_.push_back(r);
      continue;
    }
    for (const auto& keyword : rule.keywords) {
      auto [it, inserted] = index.emplace(keyword, keywords_.size());
      if (inserted) {
        keywords_.push_back(keyword);
        keyword_rules_.emplace_back();
      }
      auto& list = keyword_rules_[it->second];
      if (list.empty() || list.back() != r) list.push_back(r);
    }
  }
  matcher_ = KeywordMatcher(keywords_);
  windows_.resize(rules_.rules.size());
  stats_.resize(rules_.rules.size());
  active_.resize(rules_.rules.size());
}

void Detector::index_lines(std::string_view text) {
  if (lines_indexed_) return;
  line_starts_.clear();
  line_starts_.push_back(0);
  const char* base = text.data();
  const char* p = base;
  const char* end = base + text.size();
  while (p < end) {
    const void* nl = std::memchr(p, '\n', static_cast<size_t>(end - p));
    if (!nl) break;
    p = static_cast<const char*>(nl) + 1;
    line_starts_.push_back(static_cast<size_t>(p - base));
  }
  lines_indexed_ = true;
}

size_t Detector::line_index(size_t offset) const {
  auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
  return static_cast<size_t>(it - line_starts_.begin()) - 1;
}

bool Detector::fragment_allowed(const Fragment& fragment) const {
  // Only OR allowlists can clear a whole fragment by path or commit alone.
  for (const auto& allow : rules_.global_allowlists) {
    if (allow.condition_and) continue;
    if (!allow.paths.empty() && any_partial_match(allow.paths, fragment.path)) return true;
    if (!fragment.commit.empty() && std::find(allow.commits.begin(), allow.commits.end(),
                                              fragment.commit) != allow.commits.end()) {
      return true;
    }
  }
  return false;
}

bool Detector::finding_allowed(const SecretRule& rule, const Fragment& fragment,
                               std::string_view secret, std::string_view match,
                               std::string_view line) const {
  for (const auto& allow : rule.allowlists) {
    if (allowlist_allows(allow, fragment.path, fragment.commit, secret, match, line)) return true;
  }
  for (const auto& allow : rules_.global_allowlists) {
    if (allowlist_allows(allow, fragment.path, fragment.commit, secret, match, line)) return true;
  }
  return false;
}

void Detector::detect(const Fragment& fragment, std::vector<SecretMatch>& out) {
  lines_indexed_ = false;
  if (fragment_allowed(fragment)) return;
  const size_t first_new = out.size();
  const std::string_view text = fragment.text;
  re2::StringPiece path_piece(fragment.path.data(), fragment.path.size());

  auto path_applies = [&](const SecretRule& rule) {
    return !rule.path || RE2::PartialMatch(path_piece, *rule.path);
  };

  for (size_t r : unconditional_rules_) {
    const auto& rule = rules_.rules[r];
    if (!path_applies(rule)) continue;
    if (!rule.regex) {
      // A path-only rule: the file's presence is the finding.
      out.push_back({r, 1, 1, std::string()});
      continue;
    }
    run_rule(r, fragment, 0, text.size(), out);
  }

  if (!keywords_.empty()) {
    hits_.clear();
    matcher_.find_all(text, hits_);
    // Path filters are decided once per fragment, so hits for rules that cannot apply
    // here (a .env rule in a .py file) cost nothing more.
    for (size_t r = 0; r < rules_.rules.size(); ++r) {
      windows_[r].clear();
      active_[r] = path_applies(rules_.rules[r]);
    }
    for (const auto& hit : hits_) {
      const size_t start = hit.end - matcher_.keyword_length(hit.keyword);
      for (size_t r : keyword_rules_[hit.keyword]) {
        if (!active_[r]) continue;
        auto& windows = windows_[r];
        if (rules_.rules[r].multiline) {
          if (windows.empty()) windows.push_back({0, text.size()});
          continue;
        }
        if (!windows.empty() && windows.back().end >= hit.end) continue;  // same line
        if (!passes_hit_filter(rules_.rules[r].hit_filter, text, hit.end)) continue;
        const size_t nl_before = start == 0 ? std::string_view::npos : text.rfind('\n', start - 1);
        const size_t begin = nl_before == std::string_view::npos ? 0 : nl_before + 1;
        const size_t nl_after = text.find('\n', hit.end);
        // The window keeps the newline: patterns end with "a byte outside the token's
        // alphabet, or the end of text", and RE2 sees text past endpos as context only.
        const size_t end = nl_after == std::string_view::npos ? text.size() : nl_after + 1;
        // Nearby windows merge: one regex call over a few extra bytes is cheaper than
        // two calls, and keyword-dense files then cost one call per rule.
        if (!windows.empty() && windows.back().end + kWindowMergeGap >= begin) {
          windows.back().end = std::max(windows.back().end, end);
        } else {
          windows.push_back({begin, end});
        }
      }
    }
    for (size_t r = 0; r < windows_.size(); ++r) {
      if (windows_[r].empty()) continue;
      const auto& rule = rules_.rules[r];
      if (!rule.regex) {
        out.push_back({r, 1, 1, std::string()});
        continue;
      }
      for (const auto& w : windows_[r]) run_rule(r, fragment, w.begin, w.end, out);
    }
  }

  // Generic rules yield to specific ones that found a secret on the same line which
  // overlaps theirs (the same credential, better named).
  auto overlaps = [&](const SecretMatch& a, const SecretMatch& b) {
    if (a.line != b.line) return false;
    const int a_end = a.column + static_cast<int>(a.secret.size());
    const int b_end = b.column + static_cast<int>(b.secret.size());
    return a.column < b_end && b.column < a_end;
  };
  std::vector<bool> drop(out.size() - first_new, false);
  bool any_dropped = false;
  for (size_t i = first_new; i < out.size(); ++i) {
    if (!is_generic_rule(rules_.rules[out[i].rule_index].id)) continue;
    for (size_t j = first_new; j < out.size(); ++j) {
      if (j != i && !is_generic_rule(rules_.rules[out[j].rule_index].id) &&
          overlaps(out[i], out[j])) {
        drop[i - first_new] = true;
        any_dropped = true;
        break;
      }
    }
  }
  if (!any_dropped) return;
  size_t write = first_new;
  for (size_t i = first_new; i < out.size(); ++i) {
    if (drop[i - first_new]) continue;
    if (write != i) out[write] = std::move(out[i]);
    ++write;
  }
  out.resize(write);
}

void Detector::run_rule(size_t rule_index, const Fragment& fragment, size_t begin, size_t end,
                        std::vector<SecretMatch>& out) {
  const SecretRule& rule = rules_.rules[rule_index];
  const std::string_view text = fragment.text;
  const re2::StringPiece piece(text.data(), text.size());
  const int group_count = rule.regex->NumberOfCapturingGroups() + 1;
  groups_.assign(static_cast<size_t>(group_count), re2::StringPiece());

  stats_[rule_index].regex_bytes += end - begin;
  size_t pos = begin;
  while (pos <= end) {
    ++stats_[rule_index].regex_calls;
    if (!rule.regex->Match(piece, pos, end, RE2::UNANCHORED, groups_.data(), group_count)) break;
    const re2::StringPiece match = groups_[0];
    const size_t match_begin = static_cast<size_t>(match.data() - text.data());
    const size_t match_end = match_begin + match.size();
    pos = match.empty() ? match_end + 1 : match_end;

    re2::StringPiece secret = match;
    if (rule.secret_group > 0) {
      if (rule.secret_group < group_count) secret = groups_[static_cast<size_t>(rule.secret_group)];
    } else {
      for (int g = 1; g < group_count; ++g) {
        if (!groups_[static_cast<size_t>(g)].empty()) {
          secret = groups_[static_cast<size_t>(g)];
          break;
        }
      }
    }
    if (secret.empty()) continue;
    const std::string_view secret_view(secret.data(), secret.size());
    if (rule.entropy > 0 && shannon_entropy(secret_view) <= rule.entropy) continue;

    index_lines(text);
    const size_t secret_begin = static_cast<size_t>(secret.data() - text.data());
    const size_t first_line = line_index(match_begin);
    const size_t last_line = line_index(match_end == match_begin ? match_end : match_end - 1);
    const size_t line_begin = line_starts_[first_line];
    const size_t line_end =
        last_line + 1 < line_starts_.size() ? line_starts_[last_line + 1] - 1 : text.size();
    const std::string_view lines = text.substr(line_begin, line_end - line_begin);
    if (contains_allow_comment(lines)) continue;
    if (finding_allowed(rule, fragment, secret_view, std::string_view(match.data(), match.size()),
                        lines)) {
      continue;
    }

    const size_t secret_line = line_index(secret_begin);
    int file_line = static_cast<int>(secret_line) + 1;
    if (fragment.line_numbers && secret_line < fragment.line_numbers->size()) {
      file_line = (*fragment.line_numbers)[secret_line];
    }
    const int column = static_cast<int>(secret_begin - line_starts_[secret_line]) + 1;
    out.push_back({rule_index, file_line, column, std::string(secret_view)});
  }
}

}  // namespace sluice::scan::secrets
