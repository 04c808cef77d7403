// Workspaces: a fresh checkout of a project's commit for each run, under
// DATA_DIR/workspaces/<project>/<n>.
//
// A git repository (a local path or a URL) is mirrored into DATA_DIR/repos/<project>.git.
// Each commit a run needs is checked out once from the mirror into a snapshot,
// DATA_DIR/repos/<project>.trees/<sha> (a `git clone --shared` of the mirror at the commit,
// detached), and a run's workspace is a plain copy of its snapshot: no git process and no
// fetch on the way of a run at a known commit, which is what makes a dispatch answer in
// milliseconds rather than the ~60–120 ms of fetch + clone + checkout (issue 10 §8).
//
// Which commit a ref names: for a local repository its ref files are read directly
// (server/git_refs.h; git only in the unusual cases), so a dispatch of an unchanged branch
// starts no git at all; the mirror is fetched only when the commit is not in a snapshot yet.
// For a git URL the mirror is fetched on every resolution (the remote is the truth).
//
// A local directory that is not a git repository (an example project) is copied as it is;
// its commit is then the zero sha, and its snapshot is the directory itself.
//
// Snapshots are immutable once made (made under a name of their own, published once
// complete); the newest kSnapshotsPerProject of each project are kept and an evicted one is
// removed when its last holder lets go. They are not reused across controller restarts
// (removed at start). A snapshot's tar (what a remote agent unpacks) is made on first
// request, beside it, and goes with it.
//
// Threading: thread-safe; fetches and snapshot builds of one project are serialised.
#pragma once

#include <cstdint>
#include <filesystem>
#include <list>
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

class SnapshotTree;  // workspaces.cpp: the directory, its tar; removes both when destroyed

// A commit's checked-out tree, read only; it stays on disk while any copy of this is held.
struct Snapshot {
  Checkout checkout;
  std::shared_ptr<SnapshotTree> tree;  // null for a plain directory (the project's own)
  // The tree as a tar in agent::create_workspace_archive's format, made on the first call
  // (thread-safe); "" when it cannot be made or for a plain directory.
  std::string archive() const;
};

class Workspaces {
 public:
  static constexpr size_t kSnapshotsPerProject = 8;

  // Removes the snapshots a previous controller left (they are not tracked).
  explicit Workspaces(std::filesystem::path data_dir);

  // The snapshot of `sha` (or, when empty, the head of `ref`; when both are empty, the
  // default branch) of `repository` for `project`. `ref` is a full ref or a branch/tag
  // name.
  Result<Snapshot> snapshot(const std::string& project, const std::string& repository,
                            const std::string& ref, const std::string& sha);
  // A fresh, writable copy of a snapshot for one run; the caller removes its dir.
  Result<Checkout> copy(const std::string& project, const Snapshot& snapshot);
  // A run's workspace that reads as a fresh copy of `snapshot` but is, until materialize(),
  // a symbolic link to it: a snapshot never changes, so reading through the link is reading
  // the copy, and a run whose steps all run on remote agents never needs one (a copy's
  // mkdirs and file creations were ~40 % of the controller's CPU per one-step run on ext4).
  // Only steps on this machine write into a workspace, and they start after materialize()
  // (server/run_workspaces.h). A plain directory (no snapshot tree: it may change) is copied
  // at once. The caller removes the link or the copy (fs::remove_all removes a link, not
  // its target).
  Result<Checkout> link(const std::string& project, const Snapshot& snapshot);
  // Makes a link() workspace a copy of its snapshot, in place: the copy is made beside it and
  // swapped in with one rename, so a reader sees the link or the copy, never nothing. Nothing
  // to do when the workspace is a directory already.
  static Status materialize(const std::filesystem::path& workspace, const Snapshot& snapshot);
  // snapshot() then copy().
  Result<Checkout> checkout(const std::string& project, const std::string& repository,
                            const std::string& ref, const std::string& sha);

  // Whether `repository` is a git URL or a directory holding a git repository.
  static bool is_git(const std::string& repository);

 private:
  struct ProjectTrees {
    std::mutex mutex;  // the mirror's fetches and the snapshots' builds
    std::map<std::string, std::shared_ptr<SnapshotTree>> by_sha;
    std::list<std::string> recent;  // shas, most recently used first
  };
  struct Resolved {
    std::string ref, sha;
  };

  ProjectTrees& trees(const std::string& project);
  Result<std::filesystem::path> mirror(const std::string& project, const std::string& repository);
  Result<Resolved> resolve(const std::string& project, const std::string& repository,
                           const std::string& ref, const std::string& sha);
  Result<Snapshot> build(const std::string& project, const std::string& repository,
                         const Resolved& commit);
  std::filesystem::path fresh_dir(const std::string& project);

  std::filesystem::path data_dir_;
  std::mutex mutex_;
  std::map<std::string, std::unique_ptr<ProjectTrees>> projects_;
  uint64_t sequence_ = 0;
};

}  // namespace sluice::server
