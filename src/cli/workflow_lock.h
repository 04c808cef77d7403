// Workflow-level `concurrency:` between `sluice run` processes that share a data dir.
//
// Each group is a lock file <data-dir>/locks/<sha256(group)>.lock held with flock() for
// the whole run, holding the holder's pid. A run of the same group waits for the lock;
// with `cancel-in-progress: true` it first sends SIGINT to the holder, which cancels its
// run the way Ctrl-C does. The kernel drops the lock when a process dies, so a crashed
// run never blocks the group.
#pragma once

#include <iosfwd>
#include <string>

namespace sluice::cli {

class WorkflowLock {
 public:
  WorkflowLock() = default;
  ~WorkflowLock();
  WorkflowLock(const WorkflowLock&) = delete;
  WorkflowLock& operator=(const WorkflowLock&) = delete;

  // Blocks until the group is ours. Returns false (with a message) if the lock file
  // cannot be opened.
  bool acquire(const std::string& data_dir, const std::string& group, bool cancel_in_progress,
               std::ostream& progress, std::string& error);

 private:
  int fd_ = -1;
};

}  // namespace sluice::cli
