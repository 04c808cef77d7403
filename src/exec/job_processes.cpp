#include "exec/job_processes.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>

namespace sluice::exec {
namespace {

void kill_groups(const std::set<pid_t>& sessions) {
  // A step's session id is also the id of its first process group: one kill reaches every
  // process that stayed in it, at once.
  for (pid_t session : sessions) ::kill(-session, SIGKILL);
}

}  // namespace

// Without a reaper, leftovers still die with their job and with this object; only a
// SIGKILLed sluice would leave them.
JobProcesses::JobProcesses(std::shared_ptr<SharedOrphanReaper> orphan_reaper)
    : reaper_(std::move(orphan_reaper)),
      token_(reaper_ ? reaper_->executor_token() : unique_process_token()) {
  started_ = last_step_start_ = process_start_time(::getpid());
  started_wall_ = wall_mark_now();
  sweeper_ = std::thread([this] { run_sweeper(); });
}

JobProcesses::~JobProcesses() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_sweeper_.notify_one();
  sweeper_.join();
  // When every job that started a step has been swept (the sweeper looks until a pass finds
  // nothing), nothing of ours is left: the usual end of `sluice run`, and a sweep saved.
  bool all_swept = ended_.empty() && std::all_of(jobs_.begin(), jobs_.end(), [](const auto& j) {
                     return j.second.sessions.empty();
                   });
  SweepTarget target = everything();
  if (!all_swept) {
    kill_groups(target.sessions);
    sweep_processes(target);
  }
  // Nothing of ours is left: a reaper serving other executors must not keep these session
  // ids, and one serving only this executor exits without its own sweep.
  forget_sessions(target.sessions);
}

void JobProcesses::forget_sessions(const std::set<pid_t>& swept) {
  if (!reaper_) return;
  for (pid_t session : swept) reaper_->remove_session(session);
}

// Every session and tracking id this object ever gave out and has not swept yet.
SweepTarget JobProcesses::everything() {
  SweepTarget target;
  for (auto& [scope, job] : jobs_) target.sessions.insert(job.sessions.begin(), job.sessions.end());
  for (Job& job : ended_) target.sessions.insert(job.sessions.begin(), job.sessions.end());
  target.tracking_prefix = token_ + ".";
  target.started_since = started_;
  target.started_since_wall = wall_marks_ ? started_wall_ : SweepTarget::WallMark{};
  return target;
}

Result<ChildProcess> JobProcesses::spawn(const std::string& job_scope, const Spawn& spawn) {
  std::lock_guard lock(mutex_);
  if (killed_all_) return Error{"sluice is stopping: the step was not started", {}};
  Job& job = jobs_[job_scope];
  if (job.number == 0) job.number = next_number_++;
  SweepTarget::WallMark before = wall_mark_now();
  Result<ChildProcess> child = spawn(token_ + "." + std::to_string(job.number));
  if (child.ok()) {
    if (job.sessions.empty()) {
      // A step that has exited already has no start time to read: the latest one read is
      // earlier, which only widens the sweep.
      uint64_t start = process_start_time(child->pid);
      if (start != 0) last_step_start_ = start;
      job.started = last_step_start_;
      job.started_wall = before;
      check_wall_marks(child->pid, before);
    }
    job.sessions.insert(child->pid);
    if (reaper_) reaper_->add_session(child->pid);
  }
  return child;
}

// The wall-clock prefilter (process_sweep.h) relies on the kernel stamping /proc/PID when
// it is first looked up, never earlier than the process exists. Checked on each job's
// first step: a kernel that stamps otherwise turns the prefilter off (every process is read).
void JobProcesses::check_wall_marks(pid_t child, const SweepTarget::WallMark& before) {
  struct stat st {};
  if (::stat(("/proc/" + std::to_string(child)).c_str(), &st) != 0) return;  // exited already
  int64_t made = static_cast<int64_t>(st.st_ctim.tv_sec) * 1'000'000'000 + st.st_ctim.tv_nsec;
  if (made < before.wall_ns) wall_marks_ = false;
}

void JobProcesses::end_job(const std::string& job_scope) {
  std::lock_guard lock(mutex_);
  auto it = jobs_.find(job_scope);
  if (it == jobs_.end()) return;
  kill_groups(it->second.sessions);
  ended_.push_back(std::move(it->second));
  jobs_.erase(it);
  wake_sweeper_.notify_one();
}

// Sweeps for ended jobs off the caller's thread: reading /proc costs milliseconds. Sweeps
// are kMinSweepInterval apart at least, and the jobs that end meanwhile are swept together,
// so many short jobs cost a few sweeps, not one each.
void JobProcesses::run_sweeper() {
  std::unique_lock lock(mutex_);
  auto next_sweep = std::chrono::steady_clock::now();
  for (;;) {
    wake_sweeper_.wait(lock, [this] { return stopping_ || !ended_.empty(); });
    wake_sweeper_.wait_until(lock, next_sweep, [this] { return stopping_; });
    if (stopping_) return;  // the destructor sweeps what is left
    next_sweep = std::chrono::steady_clock::now() + kMinSweepInterval;
    std::vector<Job> batch;
    batch.swap(ended_);
    lock.unlock();
    SweepTarget target;
    target.started_since = UINT64_MAX;
    target.started_since_wall.wall_ns = INT64_MAX;
    for (const Job& job : batch) {
      target.sessions.insert(job.sessions.begin(), job.sessions.end());
      target.tracking_ids.insert(token_ + "." + std::to_string(job.number));
      target.started_since = std::min(target.started_since, job.started);
      if (job.started_wall.wall_ns < target.started_since_wall.wall_ns)
        target.started_since_wall = job.started_wall;
    }
    if (!wall_marks_) target.started_since_wall = {};
    sweep_processes(target);
    lock.lock();
    forget_sessions(target.sessions);
  }
}

void JobProcesses::kill_all() {
  SweepTarget target;
  {
    std::lock_guard lock(mutex_);
    killed_all_ = true;
    target = everything();
  }
  kill_groups(target.sessions);
  sweep_processes(target);
}

bool JobProcesses::killed_all() {
  std::lock_guard lock(mutex_);
  return killed_all_;
}

}  // namespace sluice::exec
