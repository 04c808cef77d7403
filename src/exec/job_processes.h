// JobProcesses: the processes each job's steps started, so that none outlives its job.
//
// What is guaranteed (docs/runner-protocol.md "Processes left behind"):
//   - a step runs in a session of its own, with SLUICE_TRACKING_ID=<token>.<job number>
//     in its environment;
//   - when its job ends (end_job), every process still in the process group of one of the
//     job's steps is SIGKILLed before end_job returns — background processes included, with
//     or without redirected output; then a sweep (process_sweep.h), on a thread of its own and
//     within about kMinSweepInterval, SIGKILLs every process left in one of the job's sessions or
//     carrying the job's tracking id: daemons that called setsid() (they keep the id) and processes
//     that cleared their environment but stayed in the session;
//   - kill_all() (the second Ctrl-C) and the destructor do the same for every job, the
//     sweep included, before they return;
//   - if this process dies without cleaning up (SIGKILL), the OrphanReaper does it.
// Only a process that both leaves the step's session and clears its environment escapes.
//
// Threading: every method may be called from any thread.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/result.h"
#include "exec/child_process.h"
#include "exec/orphan_reaper.h"
#include "exec/process_sweep.h"

namespace sluice::exec {

class JobProcesses {
 public:
  static constexpr std::chrono::milliseconds kMinSweepInterval{100};

  // `orphan_reaper`: the reaper that kills the steps' processes if this process dies (null:
  // none, as in unit tests that count processes). Held until this object is destroyed.
  explicit JobProcesses(std::shared_ptr<SharedOrphanReaper> orphan_reaper);
  // Kills what is left of every job: nothing to do (no sweep) when every job that started a
  // step has been swept already.
  ~JobProcesses();
  JobProcesses(const JobProcesses&) = delete;
  JobProcesses& operator=(const JobProcesses&) = delete;

  // Calls `spawn` with the job's tracking id (to put in the step's environment) and records
  // the session of the process it started. The lock is held throughout, so a kill_all()
  // cannot miss a step being started; after kill_all() it refuses with an error.
  using Spawn = std::function<Result<ChildProcess>(const std::string& tracking_id)>;
  Result<ChildProcess> spawn(const std::string& job_scope, const Spawn& spawn);

  // Kills what is left of the job (see above) and forgets it.
  void end_job(const std::string& job_scope);
  // SIGKILLs every process of every job; later spawn() calls fail.
  void kill_all();
  bool killed_all();  // kill_all() was called

  const std::string& token() const { return token_; }
  pid_t reaper_pid() const { return reaper_ ? reaper_->pid() : -1; }

 private:
  struct Job {
    int number = 0;
    std::set<pid_t> sessions;
    uint64_t started = 0;                // /proc start time of its first step (or earlier)
    SweepTarget::WallMark started_wall;  // taken before its first step started
  };
  void check_wall_marks(pid_t child, const SweepTarget::WallMark& before);  // under mutex_
  void run_sweeper();
  SweepTarget everything();                            // under mutex_
  void forget_sessions(const std::set<pid_t>& swept);  // tells the reaper

  std::mutex mutex_;  // guards the fields below
  std::condition_variable wake_sweeper_;
  std::map<std::string, Job> jobs_;
  std::vector<Job> ended_;  // waiting for the sweeper
  int next_number_ = 1;
  bool killed_all_ = false;
  bool stopping_ = false;
  std::shared_ptr<SharedOrphanReaper> reaper_;  // may be null
  std::string token_;     // unique to this object (the reaper's token + "." + n, if there is one)
  uint64_t started_ = 0;  // /proc start time of this process: older ones are not ours
  uint64_t last_step_start_ = 0;        // of the latest step whose start time could be read
  SweepTarget::WallMark started_wall_;  // of this object
  bool wall_marks_ = true;              // the kernel stamps /proc/PID as expected
  std::thread sweeper_;                 // last: started once the rest is set up
};

}  // namespace sluice::exec
