#include "expr/hash_files.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string_view>

#include "core/sha256.h"

namespace sluice::expr {
namespace {

namespace fs = std::filesystem;

struct Pattern {
  bool negate = false;
  std::vector<std::string> segments;
};

std::vector<std::string> split_path(std::string_view s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i <= s.size()) {
    size_t j = s.find('/', i);
    if (j == std::string_view::npos) j = s.size();
    out.emplace_back(s.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

std::string_view trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t' || s[b] == '\r')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r')) --e;
  return s.substr(b, e - b);
}

// Turns one pattern line into workspace-relative segments; false when it can only match
// outside the workspace.
bool normalize(std::string_view line, const std::string& workspace, Pattern* out) {
  while (!line.empty() && line[0] == '!') {
    out->negate = !out->negate;
    line.remove_prefix(1);
  }
  if (!line.empty() && line[0] == '/') {
    std::string_view ws = workspace;
    if (line == ws)
      line = "";
    else if (line.size() > ws.size() && line.substr(0, ws.size()) == ws && line[ws.size()] == '/')
      line.remove_prefix(ws.size() + 1);
    else
      return false;
  }
  std::vector<std::string> segments;
  for (auto& segment : split_path(line)) {
    if (segment.empty() || segment == ".") continue;
    if (segment == "..") {
      if (segments.empty()) return false;
      segments.pop_back();
      continue;
    }
    segments.push_back(std::move(segment));
  }
  out->segments = std::move(segments);
  return true;
}

// Matches one path segment against one pattern segment: * ? [set] [!set] [^set] and \escape.
// Iterative with single-star backtracking: O(len(pattern) * len(name)) at worst.
bool segment_match(std::string_view pattern, std::string_view name) {
  size_t p = 0, n = 0;
  size_t star_p = std::string_view::npos, star_n = 0;
  while (n < name.size()) {
    bool advanced = false;
    if (p < pattern.size()) {
      char c = pattern[p];
      if (c == '*') {
        star_p = ++p;
        star_n = n;
        continue;
      }
      if (c == '?') {
        ++p;
        ++n;
        advanced = true;
      } else if (c == '[') {
        size_t q = p + 1;
        bool negate = q < pattern.size() && (pattern[q] == '!' || pattern[q] == '^');
        if (negate) ++q;
        bool matched = false, closed = false;
        size_t first = q;
        while (q < pattern.size()) {
          if (pattern[q] == ']' && q > first) {
            closed = true;
            break;
          }
          char lo = pattern[q];
          if (lo == '\\' && q + 1 < pattern.size()) lo = pattern[++q];
          char hi = lo;
          if (q + 2 < pattern.size() && pattern[q + 1] == '-' && pattern[q + 2] != ']') {
            hi = pattern[q + 2];
            if (hi == '\\' && q + 3 < pattern.size()) {
              hi = pattern[q + 3];
              ++q;
            }
            q += 2;
          }
          unsigned char ch = static_cast<unsigned char>(name[n]);
          if (ch >= static_cast<unsigned char>(lo) && ch <= static_cast<unsigned char>(hi))
            matched = true;
          ++q;
        }
        if (closed) {
          if (matched != negate) {
            p = q + 1;
            ++n;
            advanced = true;
          }
        } else if (name[n] == '[') {  // an unclosed '[' is literal
          ++p;
          ++n;
          advanced = true;
        }
      } else {
        if (c == '\\' && p + 1 < pattern.size()) c = pattern[++p];
        if (c == name[n]) {
          ++p;
          ++n;
          advanced = true;
        }
      }
    }
    if (advanced) continue;
    if (star_p == std::string_view::npos) return false;
    p = star_p;
    n = ++star_n;
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

// NFA over path segments; state i means "pattern[0..i) matched so far". `**` matches zero or
// more segments. Linear in segments x pattern length, whatever the number of `**`.
class SegmentNfa {
 public:
  explicit SegmentNfa(const std::vector<std::string>& pattern)
      : pattern_(pattern), active_(pattern.size() + 1) {
    active_[0] = 1;
    close(active_);
  }
  void step(const std::string& segment) {
    std::vector<char> next(active_.size());
    for (size_t i = 0; i < pattern_.size(); ++i) {
      if (!active_[i]) continue;
      if (pattern_[i] == "**")
        next[i] = 1;
      else if (segment_match(pattern_[i], segment))
        next[i + 1] = 1;
    }
    close(next);
    active_.swap(next);
  }
  bool matched() const { return active_[pattern_.size()]; }
  bool can_continue() const {
    for (size_t i = 0; i < pattern_.size(); ++i)
      if (active_[i]) return true;
    return false;
  }

 private:
  void close(std::vector<char>& states) const {
    for (size_t i = 0; i < pattern_.size(); ++i)
      if (states[i] && pattern_[i] == "**") states[i + 1] = 1;
  }
  const std::vector<std::string>& pattern_;
  std::vector<char> active_;
};

bool partial_match(const std::vector<std::string>& pattern, const std::vector<std::string>& dir) {
  SegmentNfa nfa(pattern);
  for (const auto& s : dir) {
    nfa.step(s);
    if (!nfa.can_continue()) return false;
  }
  return nfa.can_continue();
}

class Walker {
 public:
  Walker(std::vector<Pattern> patterns) : patterns_(std::move(patterns)) {}

  Status walk(const fs::path& dir) {
    std::error_code ec;
    std::vector<std::string> names;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
      names.push_back(it->path().filename().string());
    if (ec) return Error{"hashFiles(): cannot list '" + relative() + "': " + ec.message(), {}};
    std::sort(names.begin(), names.end());
    for (const auto& name : names) {
      if (++visited_ > kMaxHashFilesEntries)
        return Error{"hashFiles(): more than " + std::to_string(kMaxHashFilesEntries) +
                         " files and directories visited; narrow the patterns",
                     {}};
      fs::path path = dir / name;
      relative_.push_back(name);
      fs::file_status link_status = fs::symlink_status(path, ec);
      Status s;
      if (!ec && fs::is_directory(link_status)) {
        if (worth_descending()) s = walk(path);
      } else if (!ec && matches()) {
        fs::file_status target = fs::status(path, ec);
        if (!ec && fs::is_regular_file(target)) s = hash_file(path);
      }
      relative_.pop_back();
      if (!s) return s;
    }
    return Status::Ok();
  }

  std::string result() {
    if (matched_ == 0) return "";
    return total_.finish_hex();
  }

 private:
  std::string relative() const {
    std::string s;
    for (const auto& r : relative_) s += (s.empty() ? "" : "/") + r;
    return s.empty() ? "." : s;
  }

  bool worth_descending() const {
    for (const auto& p : patterns_)
      if (!p.negate && partial_match(p.segments, relative_)) return true;
    return false;
  }

  // The last pattern that matches decides (an include adds, an exclude removes).
  bool matches() const {
    bool included = false;
    for (const auto& p : patterns_)
      if (included == p.negate && glob_match_path(p.segments, relative_)) included = !p.negate;
    return included;
  }

  Status hash_file(const fs::path& path) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f)
      return Error{"hashFiles(): cannot read '" + relative() + "': " + std::strerror(errno), {}};
    Sha256 file_hash;
    std::vector<unsigned char> buffer(64 * 1024);
    size_t n;
    while ((n = std::fread(buffer.data(), 1, buffer.size(), f)) > 0)
      file_hash.update(buffer.data(), n);
    bool failed = std::ferror(f);
    std::fclose(f);
    if (failed) return Error{"hashFiles(): error reading '" + relative() + "'", {}};
    std::string digest = file_hash.finish_raw();
    total_.update(digest.data(), digest.size());
    ++matched_;
    return Status::Ok();
  }

  std::vector<Pattern> patterns_;
  std::vector<std::string> relative_;
  Sha256 total_;
  size_t visited_ = 0;
  size_t matched_ = 0;
};

}  // namespace

bool glob_match_path(const std::vector<std::string>& pattern,
                     const std::vector<std::string>& path) {
  SegmentNfa nfa(pattern);
  for (const auto& s : path) {
    nfa.step(s);
    if (!nfa.can_continue() && !nfa.matched()) return false;
  }
  return nfa.matched();
}

Result<std::string> hash_files(const std::string& workspace,
                               const std::vector<std::string>& patterns) {
  std::string root = fs::path(workspace).lexically_normal().string();
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  std::vector<Pattern> compiled;
  bool any_include = false;
  for (const auto& arg : patterns) {
    size_t i = 0;
    while (i <= arg.size()) {
      size_t j = arg.find('\n', i);
      if (j == std::string::npos) j = arg.size();
      std::string_view line = trim(std::string_view(arg).substr(i, j - i));
      i = j + 1;
      if (line.empty() || line[0] == '#') continue;
      bool directory_only = line.back() == '/';
      Pattern p;
      if (!normalize(line, root, &p)) continue;
      any_include |= !p.negate;
      // A pattern naming a directory also matches everything below it (implicit descendants).
      bool implicit = p.segments.empty() || p.segments.back() != "**";
      if (!directory_only || !implicit) compiled.push_back(p);
      if (implicit) {
        p.segments.push_back("**");
        compiled.push_back(std::move(p));
      }
    }
  }
  if (!any_include) return std::string();
  std::error_code ec;
  if (!fs::is_directory(root, ec))
    return Error{"hashFiles(): the workspace '" + root + "' is not a directory", {}};
  Walker walker(std::move(compiled));
  if (Status s = walker.walk(root); !s) return s.error();
  return walker.result();
}

}  // namespace sluice::expr
