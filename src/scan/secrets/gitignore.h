// The subset of .gitignore that decides which files a directory scan skips: comments,
// blank lines, negation (!), directory-only patterns (trailing /), anchored patterns
// (a / at the start or in the middle), and the wildcards *, ?, [...] and **.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sluice::scan::secrets {

class GitignoreFile {
 public:
  // `base` is the directory holding the file, relative to the walk's top ("" for the top),
  // '/'-separated without a trailing slash.
  GitignoreFile(std::string base, std::string_view content);

  enum class Verdict { kNoMatch, kIgnored, kIncluded };
  // `path` is relative to the walk's top, '/'-separated. The last matching pattern wins.
  Verdict match(std::string_view path, bool is_dir) const;

 private:
  struct Pattern {
    std::string glob;
    bool negated = false;
    bool dir_only = false;
    bool anchored = false;  // matched against the whole relative path, not the basename
  };
  std::string base_;
  std::vector<Pattern> patterns_;
};

// Glob match where '*' and '?' stop at '/', "**" crosses directories, [...] is a set.
bool glob_match(std::string_view pattern, std::string_view text);

}  // namespace sluice::scan::secrets
