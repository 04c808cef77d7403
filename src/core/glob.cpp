#include "core/glob.h"

#include <vector>

namespace sluice {
namespace {

// Returns the end of a [...] set starting at p[i] == '[', or npos if unterminated.
size_t set_end(std::string_view p, size_t i) {
  size_t j = i + 1;
  if (j < p.size() && p[j] == ']') ++j;
  while (j < p.size() && p[j] != ']') ++j;
  return j < p.size() ? j : std::string_view::npos;
}

bool set_matches(std::string_view set, char c) {
  for (size_t k = 0; k < set.size(); ++k) {
    if (k + 2 < set.size() && set[k + 1] == '-') {
      if (c >= set[k] && c <= set[k + 2]) return true;
      k += 2;
    } else if (set[k] == c) {
      return true;
    }
  }
  return false;
}

// Backtracking matcher made polynomial by memoising (pattern index, text index): each
// pair is decided once, so hostile patterns like "*a*a*a*…b" cannot take exponential
// time. Recursion depth is bounded by the pattern length (every call advances in it).
class Matcher {
 public:
  Matcher(std::string_view p, std::string_view t)
      : p_(p), t_(t), memo_((p.size() + 1) * (t.size() + 1), 0) {}

  bool match(size_t pi, size_t ti) {
    char& m = memo_[pi * (t_.size() + 1) + ti];
    if (m == 0) m = compute(pi, ti) ? 2 : 1;
    return m == 2;
  }

 private:
  bool compute(size_t pi, size_t ti) {
    if (pi == p_.size()) return ti == t_.size();
    char c = p_[pi];
    if (c == '*') {
      bool globstar = pi + 1 < p_.size() && p_[pi + 1] == '*';
      size_t next = pi + (globstar ? 2 : 1);
      // "**/" also matches zero directories.
      if (globstar && next < p_.size() && p_[next] == '/' && match(next + 1, ti)) return true;
      for (size_t k = ti; k <= t_.size(); ++k) {
        if (match(next, k)) return true;
        if (k < t_.size() && t_[k] == '/' && !globstar) break;
      }
      return false;
    }
    if (ti >= t_.size()) return false;
    if (c == '?') return t_[ti] != '/' && match(pi + 1, ti + 1);
    if (c == '[') {
      size_t end = set_end(p_, pi);
      if (end != std::string_view::npos)
        return set_matches(p_.substr(pi + 1, end - pi - 1), t_[ti]) && match(end + 1, ti + 1);
    }
    if (pi + 1 < p_.size() && p_[pi + 1] == '+') {
      if (t_[ti] != c) return false;
      for (size_t k = ti + 1; k <= t_.size() && t_[k - 1] == c; ++k)
        if (match(pi + 2, k)) return true;
      return false;
    }
    return c == t_[ti] && match(pi + 1, ti + 1);
  }

  std::string_view p_, t_;
  std::vector<char> memo_;  // 0 unknown, 1 no match, 2 match
};

}  // namespace

bool glob_match(std::string_view pattern, std::string_view text) {
  // Filters match branch names and paths; anything longer is not a real ref or path.
  if (pattern.size() > 1024 || text.size() > 4096) return false;
  return Matcher(pattern, text).match(0, 0);
}

bool filter_match(const std::vector<std::string>& patterns, std::string_view text) {
  bool included = false;
  for (const std::string& pattern : patterns) {
    if (!pattern.empty() && pattern[0] == '!') {
      if (included && glob_match(std::string_view(pattern).substr(1), text)) included = false;
    } else if (!included && glob_match(pattern, text)) {
      included = true;
    }
  }
  return included;
}

}  // namespace sluice
