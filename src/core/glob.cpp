#include "core/glob.h"

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

// Iterative matcher with memo-free backtracking bounded by pattern/text sizes: each
// recursion level consumes pattern characters, so depth ≤ pattern length.
bool match_at(std::string_view p, size_t pi, std::string_view t, size_t ti, int budget_depth) {
  if (budget_depth > 64) return false;
  while (pi < p.size()) {
    char c = p[pi];
    if (c == '*') {
      bool globstar = pi + 1 < p.size() && p[pi + 1] == '*';
      size_t next = pi + (globstar ? 2 : 1);
      // "**/" also matches zero directories.
      if (globstar && next < p.size() && p[next] == '/' &&
          match_at(p, next + 1, t, ti, budget_depth + 1))
        return true;
      for (size_t k = ti; k <= t.size(); ++k) {
        if (match_at(p, next, t, k, budget_depth + 1)) return true;
        if (k < t.size() && t[k] == '/' && !globstar) break;
      }
      return false;
    }
    if (ti >= t.size()) return false;
    if (c == '?') {
      if (t[ti] == '/') return false;
      ++pi, ++ti;
      continue;
    }
    if (c == '[') {
      size_t end = set_end(p, pi);
      if (end != std::string_view::npos) {
        if (!set_matches(p.substr(pi + 1, end - pi - 1), t[ti])) return false;
        pi = end + 1, ++ti;
        continue;
      }
    }
    if (pi + 1 < p.size() && p[pi + 1] == '+') {
      if (t[ti] != c) return false;
      size_t k = ti;
      while (k < t.size() && t[k] == c) ++k;
      for (; k > ti; --k)
        if (match_at(p, pi + 2, t, k, budget_depth + 1)) return true;
      return false;
    }
    if (c != t[ti]) return false;
    ++pi, ++ti;
  }
  return ti == t.size();
}

}  // namespace

bool glob_match(std::string_view pattern, std::string_view text) {
  return match_at(pattern, 0, text, 0, 0);
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
