// Workflow-level `concurrency:` between `sluice run` processes that share a data dir,
// with GitHub's rules: at most one run of a group in progress and one pending; a run
// that joins the group while one is pending cancels the pending one; with
// `cancel-in-progress: true` it also cancels the run in progress.
//
// Two lock files per group, <data-dir>/locks/<sha256(group)>.lock (held by the run in
// progress for its whole run) and .pending (held by the run waiting for it). They are
// POSIX record locks (fcntl), because F_GETLK names the process holding a lock, so the
// run to cancel (with SIGINT, as Ctrl-C would) is always the holder, never a stale pid.
// The kernel drops the locks when a process dies, so a crashed run never blocks a group.
#pragma once

#include <atomic>
#include <iosfwd>
#include <string>

namespace sluice::cli {

class WorkflowLock {
 public:
  WorkflowLock() = default;
  ~WorkflowLock();
  WorkflowLock(const WorkflowLock&) = delete;
  WorkflowLock& operator=(const WorkflowLock&) = delete;

  enum class Outcome {
    kAcquired,   // the group is ours until this object is destroyed
    kCancelled,  // interrupted while waiting (Ctrl-C, or a newer run took the pending slot)
    kFailed,     // the lock files cannot be used; see `error`
  };
  // Blocks until the group is ours or `interrupts` is raised (by the SIGINT handler).
  Outcome acquire(const std::string& data_dir, const std::string& group, bool cancel_in_progress,
                  const std::atomic<int>& interrupts, std::ostream& progress, std::string& error);

 private:
  int run_fd_ = -1;
  int pending_fd_ = -1;
};

}  // namespace sluice::cli
