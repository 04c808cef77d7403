// Reading a git repository's HEAD and refs from its files, without starting git.
//
// `sluice run` needs the commit and branch it runs for, and later `sluice serve` polls
// repositories for new commits; both only need refs, which are small text files:
//
//   HEAD            "ref: refs/heads/main\n" (a branch, possibly unborn) or "<sha>\n"
//                   (detached). Per worktree: a linked worktree has its own.
//   refs/...        loose refs, one file each: "<sha>\n", or "ref: <name>\n" (symbolic)
//   packed-refs     "<sha> <name>" lines, sorted; a "^<sha>" line after an annotated tag
//                   gives the commit it peels to; "#" lines are headers. A loose ref
//                   overrides a packed one of the same name (git writes loose files and
//                   packs them later with `git pack-refs`).
//
// A working tree's `.git` is either that directory or a file "gitdir: <path>" (linked
// worktrees, submodules); a linked worktree's git dir names the shared repository in its
// `commondir` file. Branches, tags and packed-refs live in the shared ("common") dir;
// HEAD and refs/worktree/, refs/bisect/, refs/rewritten/ in the worktree's own dir.
//
// Object ids are 40 (SHA-1) or 64 (SHA-256) lowercase hex digits. Not supported (reported
// as errors, never guessed): the reftable ref format (git ≥ 2.45, `refStorage=reftable`).
// Discovery follows `.git` upwards from a directory like `git rev-parse` does, but ignores
// GIT_DIR / GIT_CEILING_DIRECTORIES and does not stop at file-system boundaries.
//
// Nothing here writes, locks or caches: each call reads the files as they are now. A ref
// file being rewritten by git is replaced atomically (git renames a `.lock` file over it),
// so a reader sees the old or the new value, never half of one.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace sluice::triggers {

struct GitRepository {
  std::filesystem::path git_dir;  // HEAD and per-worktree refs
  std::filesystem::path
      common_dir;  // branches, tags, packed-refs; == git_dir unless a linked worktree
};

// The repository whose working tree (or bare git dir) contains `dir`, searching `dir` and
// then its parents. nullopt when there is none (the usual case outside a checkout: a few
// stat calls, no error). An error when a `.git` file is malformed or points nowhere.
Result<std::optional<GitRepository>> find_git_repository(const std::filesystem::path& dir);

struct GitHead {
  std::string ref;  // the branch HEAD names ("refs/heads/main"); "" when HEAD is detached
  std::string sha;  // the commit HEAD points at; "" when the branch is unborn (no commit yet)
};
Result<GitHead> read_git_head(const GitRepository& repo);

// The object id `name` (e.g. "refs/heads/main", "refs/tags/v1") points at, following
// symbolic refs; a loose ref first, then packed-refs. nullopt when there is no such ref.
Result<std::optional<std::string>> resolve_git_ref(const GitRepository& repo,
                                                   std::string_view name);

// The text of `common_dir`/config (the repository's own git config: remotes, branches);
// nullopt when there is none. triggers/git_remote.h reads it.
Result<std::optional<std::string>> read_git_config_file(const GitRepository& repo);

struct PackedRef {
  std::string name;
  std::string sha;
  std::string peeled;  // for an annotated tag, the object it peels to ("^" line); else ""
};
// Every ref in `common_dir`/packed-refs, in file order; empty when the file does not exist.
Result<std::vector<PackedRef>> read_packed_refs(const std::filesystem::path& common_dir);

// Every ref whose name starts with `prefix` ("refs/heads/", "refs/tags/"), name -> object id
// (an annotated tag gives its tag object, unpeeled): loose refs override packed ones,
// symbolic ones are resolved, `.lock` files of a ref being written are skipped.
Result<std::map<std::string, std::string>> list_git_refs(const GitRepository& repo,
                                                         std::string_view prefix);

}  // namespace sluice::triggers
