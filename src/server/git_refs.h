// Reading a branch or tag of a local git repository without starting git.
//
// Why: a dispatch resolves its ref on every request, and starting `git rev-parse` costs
// 3–5 ms of the 20 ms a dispatch may take (issue 10 §8). Refs are plain files, written by
// git atomically (a lock file renamed over the ref), so the common cases read safely:
//   - the git dir: DIR/.git (a directory) or DIR itself when it holds HEAD (a bare repo);
//   - HEAD as `ref: refs/heads/NAME`;
//   - a loose ref file holding 40 hex digits, else the ref's line in packed-refs (loose
//     first, as git does: `git pack-refs` writes packed-refs before it deletes loose ones).
// Anything else answers nullopt and the caller asks git: a `.git` file (worktrees,
// submodules), a detached HEAD, a loose tag (it may name a tag object, not a commit), a
// packed tag without its peeled `^` line, a reftable repository.
//
// Threading: a pure function of the files; safe from any thread.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace sluice::server {

struct ResolvedRef {
  std::string ref;  // full name: refs/heads/main, refs/tags/v1
  std::string sha;  // the commit
};

// `name`: "" (the repository's HEAD branch), a full ref (refs/heads/x) or a short name
// (a branch first, then a tag: the order the controller has always used).
std::optional<ResolvedRef> read_local_ref(const std::filesystem::path& repository,
                                          const std::string& name);

}  // namespace sluice::server
