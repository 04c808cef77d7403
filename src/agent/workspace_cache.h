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
// Threading: one thread at a time (the agent's poll thread).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <string>

#include "core/result.h"

namespace sluice::agent {

class WorkspaceCache {
 public:
  WorkspaceCache(std::string dir, size_t max_trees = 8);

  // Fills `dest` (created; it should be empty) with the tree of the tar whose SHA-256 is
  // `sha256`: copied from the cache, or first fetched by `download` (which writes the tar to
  // the file it is given) and unpacked into the cache. `sha256` is valid_sha256().
  Status fill(const std::string& sha256, const std::string& dest,
              const std::function<Status(const std::string& tar_file)>& download);

  int64_t hits() const { return hits_; }

 private:
  std::string dir_;
  size_t max_trees_;
  std::list<std::string> recent_;  // cached trees' SHA-256, most recently used first
  int64_t hits_ = 0;
};

// Copies the tree `from` into `to` (created): directories, files with their permission
// bits, symbolic links as links. In-process; the copy's files are new (no hard links).
Status copy_tree(const std::string& from, const std::string& to);

}  // namespace sluice::agent
