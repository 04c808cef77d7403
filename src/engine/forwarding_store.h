// ForwardingStore: a Store that passes every call to another one. Decorators (MaskingStore,
// FaultStore) derive from it and override only the calls they change, so a Store method
// added later reaches the inner store without touching each decorator.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "engine/store.h"

namespace sluice::engine {

class ForwardingStore : public Store {
 public:
  explicit ForwardingStore(Store& inner) : inner_(inner) {}

  Status create_run(RunRecord& run) override { return inner_.create_run(run); }
  Status save_run(const RunRecord& run) override { return inner_.save_run(run); }
  Status save_job(const JobRecord& job) override { return inner_.save_job(job); }
  Status save_step(const StepRecord& step) override { return inner_.save_step(step); }
  Status save_attempt(const AttemptRecord& attempt) override {
    return inner_.save_attempt(attempt);
  }
  Status add_annotation(const Annotation& annotation) override {
    return inner_.add_annotation(annotation);
  }
  Result<std::shared_ptr<LogWriter>> open_log(AttemptRecord& attempt) override {
    return inner_.open_log(attempt);
  }
  Status flush() override { return inner_.flush(); }
  Result<std::vector<RunRecord>> list_runs_before(int64_t before_id, int limit) override {
    return inner_.list_runs_before(before_id, limit);
  }
  Result<std::map<RunStatus, int64_t>> count_runs_by_status() override {
    return inner_.count_runs_by_status();
  }
  Result<RunDetail> load_run(int64_t run_id) override { return inner_.load_run(run_id); }
  Result<std::vector<RunRecord>> list_unfinished_runs() override {
    return inner_.list_unfinished_runs();
  }
  Result<bool> mark_interrupted(int64_t run_id, const std::string& reason,
                                int64_t finished_ms) override {
    return inner_.mark_interrupted(run_id, reason, finished_ms);
  }
  Status create_deployment(DeploymentRecord& deployment) override {
    return inner_.create_deployment(deployment);
  }
  Status save_deployment(const DeploymentRecord& deployment) override {
    return inner_.save_deployment(deployment);
  }
  Status add_deployment_review(const DeploymentReview& review) override {
    return inner_.add_deployment_review(review);
  }
  Result<std::optional<DeploymentRecord>> load_deployment(int64_t id) override {
    return inner_.load_deployment(id);
  }
  Result<std::vector<DeploymentRecord>> list_deployments(const DeploymentQuery& query) override {
    return inner_.list_deployments(query);
  }
  Result<std::optional<DeploymentRecord>> last_good_deployment(
      const std::string& environment) override {
    return inner_.last_good_deployment(environment);
  }
  Result<bool> try_start_deployment(int64_t id, int limit, int64_t now_ms) override {
    return inner_.try_start_deployment(id, limit, now_ms);
  }
  Status append_deploy_journal(DeployJournalEntry& entry) override {
    return inner_.append_deploy_journal(entry);
  }
  Status queue_deploy_journal(const DeployJournalEntry& entry) override {
    return inner_.queue_deploy_journal(entry);
  }
  Result<std::vector<DeployJournalEntry>> load_deploy_journal(
      const std::string& deployment_id) override {
    return inner_.load_deploy_journal(deployment_id);
  }
  Result<std::vector<DeployJournalEntry>> list_deploy_heads(const std::string& environment,
                                                            int limit) override {
    return inner_.list_deploy_heads(environment, limit);
  }

 protected:
  Store& inner_;
};

}  // namespace sluice::engine
