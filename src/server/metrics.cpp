#include "server/metrics.h"

#include <fmt/format.h>

#include "server/controller.h"

namespace sluice::server {

class JobMetricsObserver : public engine::RunObserver {
 public:
  explicit JobMetricsObserver(JobMetrics& metrics) : metrics_(metrics) {}
  void on_run(const engine::RunRecord& run) override { started_ms_ = run.started_ms; }
  void on_job(const engine::JobRecord& job) override { metrics_.on_job(job, started_ms_); }

 private:
  JobMetrics& metrics_;
  int64_t started_ms_ = 0;
};

void Histogram::observe(double seconds) {
  for (size_t i = 0; i < kBuckets.size(); ++i)
    if (seconds <= kBuckets[i]) ++counts_[i];
  ++count_;
  sum_ += seconds;
}

std::string Histogram::format(const std::string& name, const std::string& help) const {
  std::string out = fmt::format("# HELP {} {}\n# TYPE {} histogram\n", name, help, name);
  for (size_t i = 0; i < kBuckets.size(); ++i)
    out += fmt::format("{}_bucket{{le=\"{}\"}} {}\n", name, kBuckets[i], counts_[i]);
  out += fmt::format("{}_bucket{{le=\"+Inf\"}} {}\n{}_sum {}\n{}_count {}\n", name, count_, name,
                     sum_, name, count_);
  return out;
}

std::unique_ptr<engine::RunObserver> JobMetrics::observer() {
  return std::make_unique<JobMetricsObserver>(*this);
}

void JobMetrics::on_job(const engine::JobRecord& job, int64_t run_started_ms) {
  std::lock_guard lock(mutex_);
  auto key = std::make_pair(job.run_id, job.key);
  if (job.status == engine::RunStatus::kQueued || job.status == engine::RunStatus::kWaiting) {
    if (!started_.count(key)) queued_.insert(key);
    return;
  }
  queued_.erase(key);
  if (job.started_ms > 0 && started_.insert(key).second && run_started_ms > 0)
    wait_.observe(std::max<int64_t>(0, job.started_ms - run_started_ms) / 1000.0);
  if (engine::is_terminal(job.status)) {
    started_.erase(key);
    if (job.started_ms > 0 && job.finished_ms >= job.started_ms)
      duration_.observe((job.finished_ms - job.started_ms) / 1000.0);
  }
}

int JobMetrics::queued_jobs() const {
  std::lock_guard lock(mutex_);
  return static_cast<int>(queued_.size());
}

std::string JobMetrics::format() const {
  std::lock_guard lock(mutex_);
  return wait_.format("sluice_job_wait_seconds", "Time from a run's start to its job's start.") +
         duration_.format("sluice_job_duration_seconds", "Time a job ran.");
}

std::string format_metrics(Controller& controller) {
  std::map<std::string, int64_t> by_status;
  for (auto s :
       {engine::RunStatus::kQueued, engine::RunStatus::kRunning, engine::RunStatus::kSuccess,
        engine::RunStatus::kFailure, engine::RunStatus::kCancelled, engine::RunStatus::kInterrupted,
        engine::RunStatus::kTimedOut})
    by_status[engine::to_string(s)] = 0;
  if (auto counts = controller.store().count_runs_by_status(); counts)
    for (const auto& [status, n] : *counts) by_status[engine::to_string(status)] += n;
  std::string out = "# HELP sluice_runs Runs in the history by status.\n# TYPE sluice_runs gauge\n";
  for (const auto& [status, n] : by_status)
    out += fmt::format("sluice_runs{{status=\"{}\"}} {}\n", status, n);
  Controller::Stats stats = controller.stats();
  out += fmt::format(
      "# HELP sluice_active_runs Runs in progress.\n# TYPE sluice_active_runs gauge\n"
      "sluice_active_runs {}\n"
      "# HELP sluice_queued_jobs Jobs waiting to start.\n# TYPE sluice_queued_jobs gauge\n"
      "sluice_queued_jobs {}\n",
      stats.active_runs, stats.queued_jobs);
  out += controller.job_metrics().format();
  return out;
}

}  // namespace sluice::server
