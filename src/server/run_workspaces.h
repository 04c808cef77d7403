// RunWorkspaces: which runs' workspaces are still exactly the commit snapshot they were
// copied from (server/workspaces.h), so that a remote agent can be sent the snapshot's tar,
// made once per commit, instead of a tar of the run's workspace made per lease (a `tar`
// process per job: ~40 % of the controller's CPU in the throughput bench, issue 10 §8).
//
// Invariant: on the controller, only steps that run on this machine (the built-in agent:
// the run's local executor) write into a run's workspace; the runtime services, the engine
// and the agent protocol only read it. So a workspace is pristine until the first step
// starts on the run's local executor, which watch() sees: it makes the workspace a real copy
// first when it was a link to the snapshot (Workspaces::link). A lease's tar is chosen when its
// agent downloads it: the same moment the per-lease tar was made, so an agent gets what it
// got before — the snapshot is that content byte for byte until a local step ran.
//
// Threading: every method is thread-safe; shared_archive() is quick once a commit's tar is
// made (the hub calls it under its lock).
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "engine/executor.h"
#include "server/workspaces.h"

namespace sluice::server {

class RunWorkspaces {
 public:
  // A run's copy of a snapshot, registered while the run lasts.
  class Registration;

  // Registers `workspace` as a copy of `snapshot` until the result is destroyed.
  std::unique_ptr<Registration> add(const std::string& workspace, Snapshot snapshot);
  // The snapshot's tar for a registered workspace no local step ran in yet, else "".
  std::string shared_archive(const std::string& workspace);
  // Wraps the run's local executor: the first step started through it marks `registration`'s
  // workspace touched. The wrapper must outlive every user of it; it forwards everything.
  static std::unique_ptr<engine::Executor> watch(engine::Executor& local,
                                                 Registration& registration);

 private:
  struct Entry {
    Snapshot snapshot;
    std::atomic<bool> touched{false};
  };
  static std::string key(const std::string& workspace);

  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<Entry>> entries_;  // by absolute, normal path
};

class RunWorkspaces::Registration {
 public:
  Registration(RunWorkspaces& owner, std::string key, std::shared_ptr<Entry> entry)
      : owner_(owner), key_(std::move(key)), entry_(std::move(entry)) {}
  ~Registration();
  Registration(const Registration&) = delete;
  Registration& operator=(const Registration&) = delete;
  // Before a step on this machine starts: the workspace becomes a copy of its own (when it
  // is still a link to the snapshot: Workspaces::link), and is no longer the snapshot's
  // content for sure. Engine thread. An error when the copy cannot be made (the step must
  // not start: it would write into the snapshot).
  Status touch();
  bool touched() const { return entry_->touched; }

 private:
  RunWorkspaces& owner_;
  std::string key_;
  std::shared_ptr<Entry> entry_;
};

}  // namespace sluice::server
