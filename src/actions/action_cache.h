// ActionCache: the content-addressed store of fetched action and workflow repositories,
// shared by every run of this user (and by concurrent ones).
//
//   <root>/repos/<owner>/<repo>/<sha>/   the files of that commit (no .git); written once,
//                                        by renaming a finished temporary directory, so a
//                                        tree that exists is complete
//   <root>/refs/<owner>/<repo>/<ref>     "<sha>\n": what a tag or branch resolved to, and
//                                        when (the file's mtime); what --offline reads
//   <root>/locks/<owner>/<repo>.lock     flock'ed while a process resolves or fetches the
//                                        repository, so concurrent runs fetch it once
//
// owner and repo are lower-cased (GitHub compares them case-insensitively); a ref's '/'
// and '%' are percent-encoded in its file name.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "core/result.h"

namespace sluice::actions {

struct RepositoryKey {
  std::string owner;
  std::string repo;
  static RepositoryKey of(const std::string& owner, const std::string& repo);
  std::string name() const { return owner + "/" + repo; }
};

struct RefRecord {
  std::string sha;
  int64_t age_seconds = 0;
};

// An exclusive flock on a lock file, released when destroyed.
class RepositoryLock {
 public:
  explicit RepositoryLock(int fd) : fd_(fd) {}
  RepositoryLock(RepositoryLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  RepositoryLock(const RepositoryLock&) = delete;
  RepositoryLock& operator=(const RepositoryLock&) = delete;
  ~RepositoryLock();

 private:
  int fd_;
};

class ActionCache {
 public:
  explicit ActionCache(std::string root);
  // $XDG_CACHE_HOME/sluice, else ~/.cache/sluice.
  static std::string default_root();
  const std::string& root() const { return root_; }

  std::string tree_dir(const RepositoryKey& key, const std::string& sha) const;
  bool has_tree(const RepositoryKey& key, const std::string& sha) const;

  std::optional<RefRecord> read_ref(const RepositoryKey& key, const std::string& ref) const;
  Status write_ref(const RepositoryKey& key, const std::string& ref, const std::string& sha);

  // Blocks until this process holds the repository's lock.
  Result<RepositoryLock> lock(const RepositoryKey& key);

  // Creates the tree of `sha` atomically: `fill` writes the files into an empty temporary
  // directory, which is then renamed into place. Leftover temporary directories (of a
  // process that died while fetching) are removed first; call with the lock held.
  Status install(const RepositoryKey& key, const std::string& sha,
                 const std::function<Status(const std::string& temp_dir)>& fill);

 private:
  std::string root_;
};

// "release/v1" -> "release%2Fv1": a ref as one file name.
std::string ref_file_name(const std::string& ref);

}  // namespace sluice::actions
