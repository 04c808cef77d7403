#include "scan/secrets/gitignore.h"

namespace sluice::scan::secrets {

namespace {

// Matches a [...] set at pattern[0] against c; sets `consumed` to the set's length, or 0
// when the bracket is unterminated (then '[' is a literal).
bool match_set(std::string_view pattern, char c, size_t& consumed) {
  size_t i = 1;
  bool negate = false;
  if (i < pattern.size() && (pattern[i] == '!' || pattern[i] == '^')) {
    negate = true;
    ++i;
  }
  bool matched = false;
  const size_t first = i;
  for (; i < pattern.size() && (pattern[i] != ']' || i == first); ++i) {
    if (i + 2 < pattern.size() && pattern[i + 1] == '-' && pattern[i + 2] != ']') {
      if (pattern[i] <= c && c <= pattern[i + 2]) matched = true;
      i += 2;
    } else if (pattern[i] == c) {
      matched = true;
    }
  }
  if (i >= pattern.size()) {
    consumed = 0;
    return false;
  }
  consumed = i + 1;
  return matched != negate;
}

}  // namespace

bool glob_match(std::string_view p, std::string_view t) {
  // Iterative with one backtrack point per star kind keeps this linear-ish and
  // recursion-free for hostile patterns.
  size_t pi = 0, ti = 0;
  size_t star_p = std::string_view::npos, star_t = 0;
  bool star_crosses = false;
  while (ti < t.size()) {
    if (pi < p.size()) {
      if (p.compare(pi, 2, "**") == 0) {
        pi += 2;
        if (pi < p.size() && p[pi] == '/') ++pi;  // "**/" also matches zero directories
        star_p = pi;
        star_t = ti;
        star_crosses = true;
        continue;
      }
      if (p[pi] == '*') {
        ++pi;
        star_p = pi;
        star_t = ti;
        star_crosses = false;
        continue;
      }
      if (p[pi] == '?' && t[ti] != '/') {
        ++pi;
        ++ti;
        continue;
      }
      if (p[pi] == '[') {
        size_t consumed = 0;
        const bool ok = match_set(p.substr(pi), t[ti], consumed);
        if (consumed > 0 && ok && t[ti] != '/') {
          pi += consumed;
          ++ti;
          continue;
        }
        if (consumed == 0 && t[ti] == '[') {
          ++pi;
          ++ti;
          continue;
        }
      } else if (p[pi] == '\\' && pi + 1 < p.size() && p[pi + 1] == t[ti]) {
        pi += 2;
        ++ti;
        continue;
      } else if (p[pi] != '?' && p[pi] == t[ti]) {
        ++pi;
        ++ti;
        continue;
      }
    }
    // Mismatch: let the last star absorb one more character.
    if (star_p == std::string_view::npos) return false;
    if (!star_crosses && t[star_t] == '/') return false;
    pi = star_p;
    ti = ++star_t;
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

GitignoreFile::GitignoreFile(std::string base, std::string_view content) : base_(std::move(base)) {
  size_t start = 0;
  while (start <= content.size()) {
    size_t end = content.find('\n', start);
    if (end == std::string_view::npos) end = content.size();
    std::string line(content.substr(start, end - start));
    start = end + 1;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    while (!line.empty() && line.back() == ' ' &&
           !(line.size() > 1 && line[line.size() - 2] == '\\')) {
      line.pop_back();
    }
    if (line.empty() || line[0] == '#') continue;
    Pattern pattern;
    if (line[0] == '!') {
      pattern.negated = true;
      line.erase(0, 1);
    } else if (line[0] == '\\' && line.size() > 1 && (line[1] == '#' || line[1] == '!')) {
      line.erase(0, 1);
    }
    if (!line.empty() && line.back() == '/') {
      pattern.dir_only = true;
      line.pop_back();
    }
    if (line.empty()) continue;
    if (line.find('/') != std::string::npos) pattern.anchored = true;
    if (line[0] == '/') line.erase(0, 1);
    pattern.glob = std::move(line);
    patterns_.push_back(std::move(pattern));
    if (end == content.size()) break;
  }
}

GitignoreFile::Verdict GitignoreFile::match(std::string_view path, bool is_dir) const {
  std::string_view relative = path;
  if (!base_.empty()) {
    if (!(path.size() > base_.size() && path.starts_with(base_) && path[base_.size()] == '/')) {
      return Verdict::kNoMatch;
    }
    relative = path.substr(base_.size() + 1);
  }
  const size_t slash = relative.rfind('/');
  const std::string_view name =
      slash == std::string_view::npos ? relative : relative.substr(slash + 1);
  Verdict verdict = Verdict::kNoMatch;
  for (const auto& pattern : patterns_) {
    if (pattern.dir_only && !is_dir) continue;
    const bool hit =
        pattern.anchored ? glob_match(pattern.glob, relative) : glob_match(pattern.glob, name);
    if (hit) verdict = pattern.negated ? Verdict::kIncluded : Verdict::kIgnored;
  }
  return verdict;
}

}  // namespace sluice::scan::secrets
