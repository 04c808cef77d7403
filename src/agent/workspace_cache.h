// WorkspaceCache: the workspace trees an agent unpacked, by the SHA-256 of their tar, so that
// every lease of a run at an unchanged commit gets an in-process copy of the tree instead of
// a download and an unpack (docs/agent-protocol.md, "Workspace"; BENCHMARKS.md, issue 10 §8).
//
// Each lease still gets its own writable copy (what a job writes stays in its lease); the
// cached trees are only ever read. A tar whose content does not hash to the SHA-256 it was
// announced with is unpacked for that lease only and not kept. At most `max_trees` trees are
// kept, the least recently used removed first; the directory is emptied when the cache opens
// (an agent that stopped mid-unpack leaves no half tree behind).
//
// Lease directories are reused: making a lease's directories and copying the tree into them,
// then removing them when the lease ends, was most of an agent's CPU per short job (inode
// allocation and freeing on the work dir's file system: BENCHMARKS.md). A lease directory
// made by open_lease() is given back by close_lease() once the lease's processes are dead;
// when its workspace and temp are exactly as they were made — a TreeManifest says so from
// one stat per entry — it waits as a spare for the next lease of the same tree, which gets
// it by a rename after checking it again. One whose job changed anything in it is removed,
// and the next lease gets a new copy. At most `max_spares` spares are kept.
//
// Threading: fill() and open_lease() one thread at a time (the agent's poll thread);
// close_lease() from any thread.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <mutex>
#include <string>

#include "agent/tree_manifest.h"
#include "core/result.h"

namespace sluice::agent {

class WorkspaceCache {
 public:
  WorkspaceCache(std::string dir, size_t max_trees = 8, size_t max_spares = 8);

  // Fills `dest` (created; it should be empty) with the tree of the tar whose SHA-256 is
  // `sha256`: copied from the cache, or first fetched by `download` (which writes the tar to
  // the file it is given) and unpacked into the cache. `sha256` is valid_sha256().
  Status fill(const std::string& sha256, const std::string& dest,
              const std::function<Status(const std::string& tar_file)>& download);

  // Makes `lease_dir` (it must not exist) with `workspace/`, the tree of `sha256`, and an
  // empty `temp/`: an unchanged spare renamed into place, or a new one (filled as fill()).
  Status open_lease(const std::string& sha256, const std::string& lease_dir,
                    const std::function<Status(const std::string& tar_file)>& download);
  // The lease of `lease_dir` has ended and its processes are dead: its directory becomes a
  // spare when it was made by open_lease() and its workspace and temp are unchanged
  // (anything else in it, such as downloaded actions, is removed first); otherwise it is
  // removed, as is any other directory given.
  void close_lease(const std::string& lease_dir);

  int64_t hits() const { return hits_; }
  int64_t reused() const { return reused_; }  // leases that got a spare

 private:
  struct LeaseTree {
    std::string sha256;
    std::string dir;
    TreeManifest manifest;
  };
  Status fill(const std::string& sha256, const std::string& dest,
              const std::function<Status(const std::string& tar_file)>& download, bool& cached);

  std::string dir_;
  size_t max_trees_, max_spares_;
  std::list<std::string> recent_;  // cached trees' SHA-256, most recently used first
  int64_t hits_ = 0;
  std::atomic<int64_t> reused_{0};

  std::mutex mutex_;                         // guards the three below
  std::list<LeaseTree> spares_;              // most recently given back first
  std::map<std::string, LeaseTree> in_use_;  // by lease directory
  int64_t next_spare_ = 1;
};

// Copies the tree `from` into `to` (created): directories, files with their permission
// bits, symbolic links as links. In-process; the copy's files are new (no hard links).
Status copy_tree(const std::string& from, const std::string& to);

}  // namespace sluice::agent
