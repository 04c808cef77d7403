// TreeManifest: what a directory tree sluice just made looks like — every entry's name,
// inode, type and mode, owner, link count, size, mtime and ctime — so that later one stat per
// entry tells whether anything has changed it since. This is what lets an agent hand a
// lease's directory to the next lease of the same commit instead of copying the tree again
// (workspace_cache.h): a workspace that passes unchanged() is, as far as a job can tell, the
// fresh copy it was.
//
// Why stat is enough: every change to a file or directory — a write (also through mmap), a
// truncate, chmod/chown, an extended attribute or ACL, a hard link made to it, a rename —
// sets its ctime to the current time, which no process can set back (utimensat sets mtime
// and atime only); an entry made, removed or renamed in a directory sets the directory's
// ctime; an entry replaced by another is another inode. The one
// gap is a change within the same clock tick as the copy on a kernel that stamps coarse
// times: record() waits until the coarse clock has passed the newest ctime it read, so any
// later change gets a later ctime. (A wall clock stepped back to exactly an old tick between
// the copy and a change is not guarded against.)
//
// The root itself is not part of the manifest (the agent renames it): its entries are.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"

namespace sluice::agent {

class TreeManifest {
 public:
  // Walks `root` (not following symbolic links); then waits, a clock tick at most, until any
  // later change to an entry would stamp a later ctime than the one recorded.
  static Result<TreeManifest> record(const std::string& root);

  // `root` (the same tree, perhaps renamed) has exactly the recorded entries, each with the
  // recorded stat. (What was added to the root itself is not seen: only its entries' trees
  // are compared.)
  bool unchanged(const std::string& root) const;

  size_t entries() const { return entries_.size(); }

  struct Entry {
    std::string path;  // from the root: "workspace/src/main.c"
    dev_t dev = 0;
    ino_t ino = 0;
    mode_t mode = 0;
    uid_t uid = 0;
    gid_t gid = 0;
    nlink_t nlink = 0;
    off_t size = 0;
    int64_t mtime_ns = 0, ctime_ns = 0;
    // Every field: one added above is compared without further ado.
    bool operator==(const Entry&) const = default;
  };

 private:
  std::vector<Entry> entries_;  // depth first, each directory's entries sorted by name
};

}  // namespace sluice::agent
