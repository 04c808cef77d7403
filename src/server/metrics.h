// Metrics: what /metrics reports in the Prometheus text format (version 0.0.4).
//
//   sluice_runs{status="success"}             runs in the history by status (gauge)
//   sluice_active_runs                        runs in progress in this controller
//   sluice_queued_jobs                        jobs waiting to start (queue depth)
//   sluice_job_wait_seconds_bucket{le=...}    from the run's start to the job's start
//   sluice_job_duration_seconds_bucket{le=...}  from the job's start to its end
//   sluice_agents_connected                   remote agents registered (server/agent_hub.h)
//   sluice_http_requests_total{code="200"}    requests answered, by status code
//
// JobMetrics observes the runs (one RunObserver per run, on the run's thread) and keeps
// the histograms. Threading: thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "engine/run_context.h"

namespace sluice::server {

class Controller;

class Histogram {
 public:
  static constexpr std::array<double, 11> kBuckets = {0.01, 0.05, 0.1, 0.5, 1,   5,
                                                      10,   30,   60,  300, 1800};
  void observe(double seconds);
  // The metric's lines (# TYPE, _bucket, _sum, _count).
  std::string format(const std::string& name, const std::string& help) const;

 private:
  std::array<uint64_t, kBuckets.size()> counts_{};
  uint64_t count_ = 0;
  double sum_ = 0;
};

class JobMetrics {
 public:
  // A RunObserver for one run (it keeps a pointer to this).
  std::unique_ptr<engine::RunObserver> observer();
  std::string format() const;
  int queued_jobs() const;

 private:
  friend class JobMetricsObserver;
  void on_job(const engine::JobRecord& job, int64_t run_started_ms);

  mutable std::mutex mutex_;
  Histogram wait_, duration_;
  std::set<std::pair<int64_t, std::string>> queued_;   // (run, job) not yet started
  std::set<std::pair<int64_t, std::string>> started_;  // (run, job) observed started
};

// The whole /metrics body for `controller` (whose history is counted by status).
std::string format_metrics(Controller& controller);

}  // namespace sluice::server
