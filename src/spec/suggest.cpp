#include "spec/suggest.h"

#include <algorithm>
#include <vector>

namespace sluice::spec {

size_t edit_distance(std::string_view a, std::string_view b) {
  // Optimal string alignment distance; inputs are short identifiers, so O(n*m) is fine,
  // but long inputs are capped to keep hostile files cheap.
  if (a.size() > 256 || b.size() > 256) return std::max(a.size(), b.size());
  const size_t n = a.size(), m = b.size();
  std::vector<std::vector<size_t>> d(n + 1, std::vector<size_t>(m + 1));
  for (size_t i = 0; i <= n; ++i) d[i][0] = i;
  for (size_t j = 0; j <= m; ++j) d[0][j] = j;
  for (size_t i = 1; i <= n; ++i) {
    for (size_t j = 1; j <= m; ++j) {
      size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[n][m];
}

namespace {
template <typename S>
std::string closest(std::string_view word, std::span<const S> candidates) {
  // A typo is at most a third of the word (at least 1 edit, at most 3).
  size_t limit = std::clamp<size_t>(word.size() / 3, 1, 3);
  size_t best = limit + 1;
  std::string match;
  for (const auto& c : candidates) {
    size_t d = edit_distance(word, c);
    if (d < best) {
      best = d;
      match = std::string(c);
    }
  }
  return match;
}
}  // namespace

std::string closest_match(std::string_view word, std::span<const std::string_view> candidates) {
  return closest(word, candidates);
}

std::string closest_match(std::string_view word, std::span<const std::string> candidates) {
  return closest(word, candidates);
}

std::string did_you_mean(std::string_view word, std::span<const std::string_view> candidates,
                         std::string fallback) {
  std::string m = closest_match(word, candidates);
  if (m.empty()) return fallback;
  return "did you mean '" + m + "'?";
}

}  // namespace sluice::spec
