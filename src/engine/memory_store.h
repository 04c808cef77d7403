// MemoryStore: a Store kept entirely in memory, logs included. For engine unit tests
// (DESIGN.md: fakes beside the interfaces) and for any caller that wants no disk.
//
// It follows the same contract as SqliteStore (the conformance suite in tests/store runs
// against both): upserts by key, run numbers per workflow, newest-first listing, records
// of a run that was never created are refused.
// Thread-safety: every method may be called from any thread; one mutex guards the state.
// Log writers returned by open_log stay valid after the store is destroyed.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

#include "engine/store.h"

namespace sluice::engine {

class MemoryStore : public Store {
 public:
  MemoryStore();
  ~MemoryStore() override;

  Status create_run(RunRecord& run) override;
  Status save_run(const RunRecord& run) override;
  Status save_job(const JobRecord& job) override;
  Status save_step(const StepRecord& step) override;
  Status save_attempt(const AttemptRecord& attempt) override;
  Status add_annotation(const Annotation& annotation) override;
  Result<std::shared_ptr<LogWriter>> open_log(AttemptRecord& attempt) override;

  Result<std::vector<RunRecord>> list_runs_before(int64_t before_id, int limit) override;
  Result<std::map<RunStatus, int64_t>> count_runs_by_status() override;
  Result<RunDetail> load_run(int64_t run_id) override;
  Result<std::vector<RunRecord>> list_unfinished_runs() override;
  Result<bool> mark_interrupted(int64_t run_id, const std::string& reason,
                                int64_t finished_ms) override;
  Status append_deploy_journal(DeployJournalEntry& entry) override;
  Result<std::vector<DeployJournalEntry>> load_deploy_journal(
      const std::string& deployment_id) override;
  Result<std::vector<DeployJournalEntry>> list_deploy_heads(const std::string& environment,
                                                            int limit) override;

  Status create_deployment(DeploymentRecord& deployment) override;
  Status save_deployment(const DeploymentRecord& deployment) override;
  Status add_deployment_review(const DeploymentReview& review) override;
  Result<std::optional<DeploymentRecord>> load_deployment(int64_t id) override;
  Result<std::vector<DeploymentRecord>> list_deployments(const DeploymentQuery& query) override;
  Result<std::optional<DeploymentRecord>> last_good_deployment(
      const std::string& environment) override;
  Result<bool> try_start_deployment(int64_t id, int limit, int64_t now_ms) override;

  // The text written to the log at `log_path` so far, each line followed by '\n';
  // empty when no such log exists. For tests.
  std::string log_text(const std::string& log_path) const;

  struct LogBuffer;  // defined in memory_store.cpp; public only so its writer can name it

 private:
  using StepKey = std::tuple<int64_t, std::string, int>;
  using AttemptKey = std::tuple<int64_t, std::string, int, int, int>;

  bool has_run_locked(int64_t run_id) const;
  // Ends the run's records still queued, waiting or running (Store::save_run, mark_interrupted).
  void close_unfinished_locked(int64_t run_id, RunStatus closed, const std::string& reason,
                               int64_t finished_ms);
  DeploymentRecord with_reviews_locked(const DeploymentRecord& deployment) const;

  mutable std::mutex mutex_;
  int64_t next_run_id_ = 1;
  std::map<int64_t, RunRecord> runs_;
  // Jobs remember when they were first saved: load_run lists jobs in that order, as
  // SqliteStore does with its row ids.
  std::map<std::pair<int64_t, std::string>, std::pair<int64_t, JobRecord>> jobs_;
  int64_t next_job_seq_ = 1;
  std::map<StepKey, StepRecord> steps_;
  std::map<AttemptKey, AttemptRecord> attempts_;
  std::vector<Annotation> annotations_;
  std::map<std::string, std::shared_ptr<LogBuffer>> logs_;
  int64_t next_deployment_id_ = 1;
  std::map<int64_t, DeploymentRecord> deployments_;  // reviews kept apart, in reviews_
  std::vector<DeploymentReview> reviews_;
  std::map<std::string, std::vector<DeployJournalEntry>> deploy_journals_;
  std::vector<std::string> deployments_started_;  // deployment ids, oldest first
};

}  // namespace sluice::engine
