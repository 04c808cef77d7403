// Store: where the engine records runs, jobs, steps, attempts, annotations and logs.
//
// The engine saves a full copy of a record every time it changes (upsert by key), so a
// Store never has to merge partial updates. Implementations: MemoryStore (engine tests),
// SqliteStore (store/sqlite/sqlite_store.h, the default), later PostgreSQL.
// Thread-safety: implementations must allow one writer thread plus concurrent readers
// (other processes may read the same database while a run writes).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "engine/deploy_journal_entry.h"
#include "engine/deployment_record.h"
#include "engine/log_writer.h"
#include "engine/run_model.h"

namespace sluice::engine {

struct RunDetail {
  RunRecord run;
  std::vector<JobRecord> jobs;
  std::vector<StepRecord> steps;
  std::vector<AttemptRecord> attempts;
  std::vector<Annotation> annotations;
};

// A finished run has no unfinished parts. The engine saves every job, step and attempt
// final before the run; when one of those saves was lost (a full disk), save_run of the
// final status closes the record left behind in the same write: its status (and a step's
// outcome) becomes closed_status(run status), its reason kNotRecordedReason. A deployment
// of the run still queued, waiting or in progress ends the same way (kCancelled or
// kFailure, see closed_deployment_status), and so does one of a run marked interrupted.
inline constexpr const char* kNotRecordedReason =
    "its final state could not be recorded (store error)";
inline RunStatus closed_status(RunStatus run_status) {
  return run_status == RunStatus::kCancelled ? RunStatus::kCancelled : RunStatus::kFailure;
}
inline DeploymentStatus closed_deployment_status(RunStatus run_status) {
  return run_status == RunStatus::kCancelled ? DeploymentStatus::kCancelled
                                             : DeploymentStatus::kFailure;
}

class Store {
 public:
  virtual ~Store() = default;

  // Assigns run.id and run.run_number (1 + the workflow's highest).
  virtual Status create_run(RunRecord& run) = 0;
  // With a terminal status, also closes the run's unfinished records (see above).
  virtual Status save_run(const RunRecord& run) = 0;
  virtual Status save_job(const JobRecord& job) = 0;     // key: (run_id, key)
  virtual Status save_step(const StepRecord& step) = 0;  // key: (run_id, job_key, index)
  // key: (run_id, job_key, step_index, job_attempt, attempt).
  virtual Status save_attempt(const AttemptRecord& attempt) = 0;
  virtual Status add_annotation(const Annotation& annotation) = 0;
  // Opens the log of one attempt for appending and fills `attempt.log_path` (and
  // `log_offset`, where the attempt's text starts in it); the caller saves the attempt.
  virtual Result<std::shared_ptr<LogWriter>> open_log(AttemptRecord& attempt) = 0;

  // A store may commit saves in the background (SqliteStore does); then a save's error is
  // returned by a later call. flush() waits until every save so far is committed and
  // returns such an error if no call has returned it yet.
  virtual Status flush() { return Status::Ok(); }

  // Queries (newest first). `limit` <= 0: no limit.
  Result<std::vector<RunRecord>> list_runs(int limit) { return list_runs_before(0, limit); }
  // The runs with an id below `before_id` (0: any), newest first: a page of a long history
  // (the controller reads its runs list page by page).
  virtual Result<std::vector<RunRecord>> list_runs_before(int64_t before_id, int limit) = 0;
  // How many runs the history holds in each status (statuses without runs are left out).
  virtual Result<std::map<RunStatus, int64_t>> count_runs_by_status() = 0;
  virtual Result<RunDetail> load_run(int64_t run_id) = 0;

  // Crash recovery (store/run_recovery.h). Runs not yet in a terminal state, oldest first.
  virtual Result<std::vector<RunRecord>> list_unfinished_runs() = 0;
  // Atomically marks the run and its jobs, steps and attempts that are not in a terminal
  // state kInterrupted, with `reason` and `finished_ms`. Returns false, changing nothing,
  // when the run is already terminal (its owner finished it meanwhile).
  virtual Result<bool> mark_interrupted(int64_t run_id, const std::string& reason,
                                        int64_t finished_ms) = 0;

  // Deployments (engine/deployment_record.h). Unlike the run records, these are read and
  // written by several processes at once (`sluice approve` beside the waiting run, two
  // runs deploying to one environment), so every deployment write is committed before it
  // returns, and the queries see other processes' commits.
  //
  // Assigns deployment.id; the run must exist. Ids grow: a newer deployment has a larger id.
  virtual Status create_deployment(DeploymentRecord& deployment) = 0;
  // Replaces the record with this id (reviews untouched); an unknown id is an error.
  virtual Status save_deployment(const DeploymentRecord& deployment) = 0;
  // Appends a review to its deployment (which must exist).
  virtual Status add_deployment_review(const DeploymentReview& review) = 0;
  // The deployment with its reviews; nullopt when there is none with this id.
  virtual Result<std::optional<DeploymentRecord>> load_deployment(int64_t id) = 0;
  // Newest first, with their reviews.
  virtual Result<std::vector<DeploymentRecord>> list_deployments(const DeploymentQuery& query) = 0;
  // The environment's "last good revision": its newest deployment with status kSuccess.
  virtual Result<std::optional<DeploymentRecord>> last_good_deployment(
      const std::string& environment) = 0;
  // The environment's concurrency rule, decided atomically across processes: deployment
  // `id` moves to kInProgress (waiting_on kNone, reason "", updated_ms = now_ms) and true
  // is returned when fewer than `limit` deployments of its environment are in progress
  // plus waiting_on kConcurrency with a smaller id (first come, first served). Otherwise
  // it is left as it is (the caller has saved it waiting on kConcurrency) and false is
  // returned. Only deployments of unfinished runs count: a run that died holds no slot
  // once it is marked interrupted.
  virtual Result<bool> try_start_deployment(int64_t id, int limit, int64_t now_ms) = 0;
  // Deployment journals (deploy/journal.h). Appends `entry` with seq = 1 + the deployment's
  // highest (filled in) and returns only once it is committed: the journal is written before
  // the deployer acts. Appends to one deployment from several processes (the deployer, a
  // `sluice deploy abort`) are serialised; none is lost.
  virtual Status append_deploy_journal(DeployJournalEntry& entry) = 0;
  // Appends without waiting for the commit (an entry nothing is acted on after: a hook's
  // result, a measurement). Entries are committed in the order they were given, so the
  // next append_deploy_journal (or flush) commits this one first; an error comes back from a
  // later call. The default waits.
  virtual Status queue_deploy_journal(const DeployJournalEntry& entry) {
    DeployJournalEntry copy = entry;
    return append_deploy_journal(copy);
  }
  // Every entry of one deployment, by seq; empty when there is none.
  virtual Result<std::vector<DeployJournalEntry>> load_deploy_journal(
      const std::string& deployment_id) = 0;
  // The newest entry of each deployment of `environment` ("" = every environment), the
  // most recently started deployment first, at most `limit`.
  virtual Result<std::vector<DeployJournalEntry>> list_deploy_heads(const std::string& environment,
                                                                    int limit) = 0;
};

}  // namespace sluice::engine
