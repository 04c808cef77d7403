// Workspaces: a fresh checkout of a project's commit for each run, under
// DATA_DIR/workspaces/<project>/<n>.
//
// A git repository (a local path or a URL) is mirrored once into DATA_DIR/repos/<project>.git
// and fetched before each checkout, so a run's workspace is a cheap `git clone --shared` of
// the mirror at the commit, detached. A local directory that is not a git repository (an
// example project) is copied as it is; its commit is then the zero sha.
//
// Threading: thread-safe; fetches of one project are serialised.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "core/result.h"

namespace sluice::server {

struct Checkout {
  std::filesystem::path dir;  // the workspace (the repository's root)
  std::string ref;            // refs/heads/main, refs/tags/v1
  std::string sha;            // the commit checked out
};

class Workspaces {
 public:
  explicit Workspaces(std::filesystem::path data_dir) : data_dir_(std::move(data_dir)) {}

  // Checks out `sha` (or, when empty, the head of `ref`; when both are empty, the default
  // branch) of `repository` for `project`. `ref` is a full ref or a branch/tag name.
  Result<Checkout> checkout(const std::string& project, const std::string& repository,
                            const std::string& ref, const std::string& sha);

  // The commit `ref` names in the project's mirror after a fetch ("" for a plain directory).
  Result<std::string> resolve(const std::string& project, const std::string& repository,
                              const std::string& ref);

  // Whether `repository` is a git URL or a directory holding a git repository.
  static bool is_git(const std::string& repository);

 private:
  Result<std::filesystem::path> mirror(const std::string& project, const std::string& repository);
  std::filesystem::path fresh_dir(const std::string& project);

  std::filesystem::path data_dir_;
  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<std::mutex>> project_locks_;
  uint64_t sequence_ = 0;
};

}  // namespace sluice::server
