// Workflow-level `concurrency:` between `sluice run` processes that share a data dir,
// with GitHub's rules: one run of a group in progress at a time. With `queue: single`
// (the default) one more run waits, and a run that joins the group while one waits
// cancels the waiting one; with `queue: max` every run waits its turn, first come first
// served. With `cancel-in-progress: true` a newcomer also cancels the run in progress.
//
// Lock files per group, in <data-dir>/locks/<sha256(group)>: `.lock`, held by the run in
// progress for its whole run; `.pending`, held by the run waiting (queue: single) or
// briefly by a run taking a ticket (queue: max); `.queue`, a ticket counter whose byte N
// is locked by ticket N's run while it waits and runs, so that ticket N + 1 waits for
// exactly that. They are POSIX record locks (fcntl): F_GETLK names the process holding a
// lock, so the run to cancel (with SIGINT, as Ctrl-C would) is always the holder, never a
// stale pid. The kernel drops the locks when a process dies, so a crashed run never
// blocks a group.
#pragma once

#include <atomic>
#include <iosfwd>
#include <string>

namespace sluice::runner {

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
                  bool queue_all, const std::atomic<int>& interrupts, std::ostream& progress,
                  std::string& error);

 private:
  // queue: max — waits for the run that took the previous ticket.
  Outcome wait_turn(const std::atomic<int>& interrupts, std::ostream& progress,
                    const std::string& group);

  int run_fd_ = -1;
  int pending_fd_ = -1;
  int queue_fd_ = -1;
};

}  // namespace sluice::runner
