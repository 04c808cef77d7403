#include "engine/memory_store.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>

namespace sluice::engine {

// One log's lines, shared by the store and the writers it handed out, so a writer
// outlives the store safely and tests can read a log while it is being written.
struct MemoryStore::LogBuffer {
  mutable std::mutex mutex;
  std::string text;
};

namespace {

class MemoryLogWriter : public LogWriter {
 public:
  explicit MemoryLogWriter(std::shared_ptr<MemoryStore::LogBuffer> buffer)
      : buffer_(std::move(buffer)) {}
  void append_line(std::string_view line) override {
    if (closed_) return;
    std::lock_guard lock(buffer_->mutex);
    buffer_->text.append(line);
    buffer_->text.push_back('\n');
    ++lines_;
    bytes_ += static_cast<int64_t>(line.size()) + 1;
  }
  void close() override { closed_ = true; }
  int64_t lines() const override { return lines_; }
  int64_t bytes() const override { return bytes_; }

 private:
  std::shared_ptr<MemoryStore::LogBuffer> buffer_;
  bool closed_ = false;
  int64_t lines_ = 0;
  int64_t bytes_ = 0;
};

Error unknown_run(int64_t run_id) {
  return Error{fmt::format("run {} does not exist", run_id), {}};
}

}  // namespace

MemoryStore::MemoryStore() = default;
MemoryStore::~MemoryStore() = default;

bool MemoryStore::has_run_locked(int64_t run_id) const {
  return runs_.count(run_id) != 0;
}

Status MemoryStore::create_run(RunRecord& run) {
  std::lock_guard lock(mutex_);
  int64_t highest = 0;
  for (const auto& [id, existing] : runs_) {
    if (existing.workflow_file == run.workflow_file)
      highest = std::max(highest, existing.run_number);
  }
  run.id = next_run_id_++;
  run.run_number = highest + 1;
  runs_[run.id] = run;
  return Status::Ok();
}

Status MemoryStore::save_run(const RunRecord& run) {
  std::lock_guard lock(mutex_);
  auto it = runs_.find(run.id);
  if (it == runs_.end()) return unknown_run(run.id);
  // The run number is the store's to assign; a caller cannot renumber a run.
  RunRecord copy = run;
  copy.run_number = it->second.run_number;
  it->second = std::move(copy);
  if (is_terminal(run.status))
    close_unfinished_locked(run.id, closed_status(run.status), kNotRecordedReason, run.finished_ms);
  return Status::Ok();
}

void MemoryStore::close_unfinished_locked(int64_t run_id, RunStatus closed,
                                          const std::string& reason, int64_t finished_ms) {
  auto close = [&](auto& record) {
    if (is_terminal(record.status)) return false;
    record.status = closed;
    record.reason = reason;
    if (record.finished_ms == 0) record.finished_ms = finished_ms;
    return true;
  };
  for (auto& [key, entry] : jobs_)
    if (key.first == run_id) close(entry.second);
  for (auto& [key, step] : steps_)
    if (std::get<0>(key) == run_id && close(step)) step.outcome = closed;
  for (auto& [key, attempt] : attempts_)
    if (std::get<0>(key) == run_id) close(attempt);
  const DeploymentStatus deployment_closed =
      closed == RunStatus::kCancelled ? DeploymentStatus::kCancelled : DeploymentStatus::kFailure;
  for (auto& [id, deployment] : deployments_) {
    if (deployment.run_id != run_id || is_terminal(deployment.status)) continue;
    deployment.status = deployment_closed;
    deployment.waiting_on = DeploymentWait::kNone;
    deployment.reason = reason;
    deployment.updated_ms = finished_ms;
  }
}

Status MemoryStore::save_job(const JobRecord& job) {
  std::lock_guard lock(mutex_);
  if (!has_run_locked(job.run_id)) return unknown_run(job.run_id);
  auto key = std::make_pair(job.run_id, job.key);
  auto it = jobs_.find(key);
  if (it == jobs_.end()) {
    jobs_.emplace(key, std::make_pair(next_job_seq_++, job));
  } else {
    it->second.second = job;
  }
  return Status::Ok();
}

Status MemoryStore::save_step(const StepRecord& step) {
  std::lock_guard lock(mutex_);
  if (!has_run_locked(step.run_id)) return unknown_run(step.run_id);
  steps_[StepKey{step.run_id, step.job_key, step.index}] = step;
  return Status::Ok();
}

Status MemoryStore::save_attempt(const AttemptRecord& attempt) {
  std::lock_guard lock(mutex_);
  if (!has_run_locked(attempt.run_id)) return unknown_run(attempt.run_id);
  attempts_[AttemptKey{attempt.run_id, attempt.job_key, attempt.step_index, attempt.job_attempt,
                       attempt.attempt}] = attempt;
  return Status::Ok();
}

Status MemoryStore::add_annotation(const Annotation& annotation) {
  std::lock_guard lock(mutex_);
  if (!has_run_locked(annotation.run_id)) return unknown_run(annotation.run_id);
  annotations_.push_back(annotation);
  return Status::Ok();
}

Result<std::shared_ptr<LogWriter>> MemoryStore::open_log(AttemptRecord& attempt) {
  std::lock_guard lock(mutex_);
  if (!has_run_locked(attempt.run_id)) return unknown_run(attempt.run_id);
  // One buffer per attempt: the slices of a shared file are SqliteStore's business.
  attempt.log_path = fmt::format("memory://{}/{}/{}-{}-{}.log", attempt.run_id, attempt.job_key,
                                 attempt.step_index, attempt.job_attempt, attempt.attempt);
  attempt.log_offset = 0;
  auto& buffer = logs_[attempt.log_path];
  if (!buffer) buffer = std::make_shared<LogBuffer>();
  return std::shared_ptr<LogWriter>(std::make_shared<MemoryLogWriter>(buffer));
}

Result<std::vector<RunRecord>> MemoryStore::list_runs_before(int64_t before_id, int limit) {
  std::lock_guard lock(mutex_);
  std::vector<RunRecord> out;
  auto it =
      before_id > 0 ? std::make_reverse_iterator(runs_.lower_bound(before_id)) : runs_.rbegin();
  for (; it != runs_.rend() && (limit <= 0 || static_cast<int>(out.size()) < limit); ++it)
    out.push_back(it->second);
  return out;
}

Result<std::map<RunStatus, int64_t>> MemoryStore::count_runs_by_status() {
  std::lock_guard lock(mutex_);
  std::map<RunStatus, int64_t> counts;
  for (const auto& [id, run] : runs_) ++counts[run.status];
  return counts;
}

Result<RunDetail> MemoryStore::load_run(int64_t run_id) {
  std::lock_guard lock(mutex_);
  auto run = runs_.find(run_id);
  if (run == runs_.end()) return unknown_run(run_id);
  RunDetail detail;
  detail.run = run->second;
  std::map<std::string, int64_t> job_seq;
  std::vector<std::pair<int64_t, JobRecord>> jobs;
  for (const auto& [key, entry] : jobs_) {
    if (key.first != run_id) continue;
    jobs.push_back(entry);
    job_seq[key.second] = entry.first;
  }
  std::sort(jobs.begin(), jobs.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& [seq, job] : jobs) detail.jobs.push_back(std::move(job));

  // Steps and attempts of jobs never saved sort after the saved ones, by key.
  auto seq_of = [&](const std::string& job_key) {
    auto it = job_seq.find(job_key);
    return it == job_seq.end() ? INT64_MAX : it->second;
  };
  for (const auto& [key, step] : steps_) {
    if (std::get<0>(key) == run_id) detail.steps.push_back(step);
  }
  std::stable_sort(detail.steps.begin(), detail.steps.end(),
                   [&](const StepRecord& a, const StepRecord& b) {
                     return std::make_tuple(seq_of(a.job_key), a.job_key, a.index) <
                            std::make_tuple(seq_of(b.job_key), b.job_key, b.index);
                   });
  for (const auto& [key, attempt] : attempts_) {
    if (std::get<0>(key) == run_id) detail.attempts.push_back(attempt);
  }
  std::stable_sort(detail.attempts.begin(), detail.attempts.end(),
                   [&](const AttemptRecord& a, const AttemptRecord& b) {
                     return std::make_tuple(seq_of(a.job_key), a.job_key, a.step_index,
                                            a.job_attempt, a.attempt) <
                            std::make_tuple(seq_of(b.job_key), b.job_key, b.step_index,
                                            b.job_attempt, b.attempt);
                   });
  for (const Annotation& annotation : annotations_) {
    if (annotation.run_id == run_id) detail.annotations.push_back(annotation);
  }
  return detail;
}

Result<std::vector<RunRecord>> MemoryStore::list_unfinished_runs() {
  std::lock_guard lock(mutex_);
  std::vector<RunRecord> out;
  for (const auto& [id, run] : runs_)
    if (!is_terminal(run.status)) out.push_back(run);
  return out;
}

Result<bool> MemoryStore::mark_interrupted(int64_t run_id, const std::string& reason,
                                           int64_t finished_ms) {
  std::lock_guard lock(mutex_);
  auto run = runs_.find(run_id);
  if (run == runs_.end()) return unknown_run(run_id);
  if (is_terminal(run->second.status)) return false;
  RunRecord& record = run->second;
  record.status = RunStatus::kInterrupted;
  record.reason = reason;
  record.finished_ms = finished_ms;
  close_unfinished_locked(run_id, RunStatus::kInterrupted, reason, finished_ms);
  return true;
}

Status MemoryStore::create_deployment(DeploymentRecord& deployment) {
  std::lock_guard lock(mutex_);
  if (!has_run_locked(deployment.run_id)) return unknown_run(deployment.run_id);
  deployment.id = next_deployment_id_++;
  DeploymentRecord copy = deployment;
  copy.reviews.clear();
  deployments_[deployment.id] = std::move(copy);
  return Status::Ok();
}

Status MemoryStore::save_deployment(const DeploymentRecord& deployment) {
  std::lock_guard lock(mutex_);
  auto it = deployments_.find(deployment.id);
  if (it == deployments_.end())
    return Error{fmt::format("deployment {} does not exist", deployment.id), {}};
  if (!has_run_locked(deployment.run_id)) return unknown_run(deployment.run_id);
  it->second = deployment;
  it->second.reviews.clear();
  return Status::Ok();
}

Status MemoryStore::add_deployment_review(const DeploymentReview& review) {
  std::lock_guard lock(mutex_);
  if (deployments_.count(review.deployment_id) == 0)
    return Error{fmt::format("deployment {} does not exist", review.deployment_id), {}};
  reviews_.push_back(review);
  return Status::Ok();
}

DeploymentRecord MemoryStore::with_reviews_locked(const DeploymentRecord& deployment) const {
  DeploymentRecord copy = deployment;
  for (const DeploymentReview& review : reviews_)
    if (review.deployment_id == deployment.id) copy.reviews.push_back(review);
  return copy;
}

Result<std::optional<DeploymentRecord>> MemoryStore::load_deployment(int64_t id) {
  std::lock_guard lock(mutex_);
  auto it = deployments_.find(id);
  if (it == deployments_.end()) return std::optional<DeploymentRecord>();
  return std::optional<DeploymentRecord>(with_reviews_locked(it->second));
}

Result<std::vector<DeploymentRecord>> MemoryStore::list_deployments(const DeploymentQuery& query) {
  std::lock_guard lock(mutex_);
  std::vector<DeploymentRecord> out;
  for (auto it = deployments_.rbegin(); it != deployments_.rend(); ++it) {
    if (query.limit > 0 && static_cast<int>(out.size()) >= query.limit) break;
    const DeploymentRecord& d = it->second;
    if (!query.environment.empty() && d.environment != query.environment) continue;
    if (query.run_id != 0 && d.run_id != query.run_id) continue;
    out.push_back(with_reviews_locked(d));
  }
  return out;
}

Result<std::optional<DeploymentRecord>> MemoryStore::last_good_deployment(
    const std::string& environment) {
  std::lock_guard lock(mutex_);
  for (auto it = deployments_.rbegin(); it != deployments_.rend(); ++it) {
    const DeploymentRecord& d = it->second;
    if (d.environment == environment && d.status == DeploymentStatus::kSuccess)
      return std::optional<DeploymentRecord>(with_reviews_locked(d));
  }
  return std::optional<DeploymentRecord>();
}

Result<bool> MemoryStore::try_start_deployment(int64_t id, int limit, int64_t now_ms) {
  std::lock_guard lock(mutex_);
  auto me = deployments_.find(id);
  if (me == deployments_.end()) return Error{fmt::format("deployment {} does not exist", id), {}};
  int ahead = 0;
  for (const auto& [other_id, d] : deployments_) {
    if (other_id == id || d.environment != me->second.environment) continue;
    auto run = runs_.find(d.run_id);
    if (run == runs_.end() || is_terminal(run->second.status)) continue;
    bool in_progress = d.status == DeploymentStatus::kInProgress;
    bool queued_before = d.status == DeploymentStatus::kWaiting &&
                         d.waiting_on == DeploymentWait::kConcurrency && other_id < id;
    if (in_progress || queued_before) ++ahead;
  }
  if (ahead >= limit) return false;
  DeploymentRecord& d = me->second;
  d.status = DeploymentStatus::kInProgress;
  d.waiting_on = DeploymentWait::kNone;
  d.reason.clear();
  d.updated_ms = now_ms;
  return true;
}

Status MemoryStore::append_deploy_journal(DeployJournalEntry& entry) {
  if (entry.deployment_id.empty()) return Error{"deploy journal entry without a deployment id", {}};
  std::lock_guard lock(mutex_);
  auto& journal = deploy_journals_[entry.deployment_id];
  if (journal.empty()) deployments_started_.push_back(entry.deployment_id);
  entry.seq = journal.empty() ? 1 : journal.back().seq + 1;
  journal.push_back(entry);
  return Status::Ok();
}

Result<std::vector<DeployJournalEntry>> MemoryStore::load_deploy_journal(
    const std::string& deployment_id) {
  std::lock_guard lock(mutex_);
  auto it = deploy_journals_.find(deployment_id);
  if (it == deploy_journals_.end()) return std::vector<DeployJournalEntry>{};
  return it->second;
}

Result<std::vector<DeployJournalEntry>> MemoryStore::list_deploy_heads(
    const std::string& environment, int limit) {
  std::lock_guard lock(mutex_);
  std::vector<DeployJournalEntry> heads;
  for (auto id = deployments_started_.rbegin();
       id != deployments_started_.rend() && static_cast<int>(heads.size()) < limit; ++id) {
    const DeployJournalEntry& head = deploy_journals_.at(*id).back();
    if (environment.empty() || head.environment == environment) heads.push_back(head);
  }
  return heads;
}

std::string MemoryStore::log_text(const std::string& log_path) const {
  std::shared_ptr<LogBuffer> buffer;
  {
    std::lock_guard lock(mutex_);
    auto it = logs_.find(log_path);
    if (it == logs_.end()) return "";
    buffer = it->second;
  }
  std::lock_guard lock(buffer->mutex);
  return buffer->text;
}

}  // namespace sluice::engine
