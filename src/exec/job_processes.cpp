#include "exec/job_processes.h"

#include <signal.h>
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

JobProcesses::JobProcesses(const std::string& reaper_binary) {
  auto now = std::chrono::system_clock::now().time_since_epoch();
  token_ = std::to_string(::getpid()) + "-" +
           std::to_string(std::chrono::duration_cast<std::chrono::nanoseconds>(now).count());
  started_ = last_step_start_ = process_start_time(::getpid());
  if (!reaper_binary.empty()) {
    // Without a reaper, leftovers still die with their job and with this object; only a
    // SIGKILLed sluice would leave them.
    if (auto reaper = OrphanReaper::start(reaper_binary, token_); reaper.ok())
      reaper_ = std::move(*reaper);
  }
  sweeper_ = std::thread([this] { run_sweeper(); });
}

JobProcesses::~JobProcesses() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_sweeper_.notify_one();
  sweeper_.join();
  SweepTarget target = everything();
  kill_groups(target.sessions);
  sweep_processes(target);
}

// Every session and tracking id this object ever gave out and has not swept yet.
SweepTarget JobProcesses::everything() {
  SweepTarget target;
  for (auto& [scope, job] : jobs_) target.sessions.insert(job.sessions.begin(), job.sessions.end());
  for (Job& job : ended_) target.sessions.insert(job.sessions.begin(), job.sessions.end());
  target.tracking_prefix = token_ + ".";
  target.started_since = started_;
  return target;
}

Result<ChildProcess> JobProcesses::spawn(const std::string& job_scope, const Spawn& spawn) {
  std::lock_guard lock(mutex_);
  if (killed_all_) return Error{"sluice is stopping: the step was not started", {}};
  Job& job = jobs_[job_scope];
  if (job.number == 0) job.number = next_number_++;
  Result<ChildProcess> child = spawn(token_ + "." + std::to_string(job.number));
  if (child.ok()) {
    if (job.sessions.empty()) {
      // A step that has exited already has no start time to read: the latest one read is
      // earlier, which only widens the sweep.
      uint64_t start = process_start_time(child->pid);
      if (start != 0) last_step_start_ = start;
      job.started = last_step_start_;
    }
    job.sessions.insert(child->pid);
    reaper_.add_session(child->pid);
  }
  return child;
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
    for (const Job& job : batch) {
      target.sessions.insert(job.sessions.begin(), job.sessions.end());
      target.tracking_ids.insert(token_ + "." + std::to_string(job.number));
      target.started_since = std::min(target.started_since, job.started);
    }
    sweep_processes(target);
    lock.lock();
    for (pid_t session : target.sessions) reaper_.remove_session(session);
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
