// hashFiles(): GitHub's algorithm over files in a workspace.
//
// Patterns follow @actions/glob as the runner uses it: one pattern per line, `#` comments,
// leading `!` excludes, `*` `?` `[...]` within a path segment (dot files included), `**` for
// any number of directories, a pattern naming a directory also matches everything below it,
// and the last pattern that matches a file decides. Files are visited depth-first in byte
// order of names at each level; the result is the hex SHA-256 of the concatenation of each
// matched file's SHA-256 digest, or "" when no file matches. Files outside the workspace are
// never read; symbolic links to directories are not followed (no cycles).
#pragma once

#include <string>
#include <vector>

#include "core/result.h"

namespace sluice::expr {

// Upper bound on directory entries one call may visit (a hostile glob over a huge tree must end).
constexpr size_t kMaxHashFilesEntries = 1'000'000;

Result<std::string> hash_files(const std::string& workspace,
                               const std::vector<std::string>& patterns);

// Exposed for tests: does `pattern` (already split on '/') match the relative path `path`?
bool glob_match_path(const std::vector<std::string>& pattern, const std::vector<std::string>& path);

}  // namespace sluice::expr
