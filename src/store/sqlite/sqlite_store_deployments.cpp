// SqliteStore's deployments (engine/deployment_record.h): the `deployments` and
// `deployment_reviews` tables of schema version 8.
//
// Several processes write these rows at once (`sluice approve` beside the waiting run, two
// runs deploying to one environment), so every write here waits for its commit rather
// than joining a group commit: the other process polls for it.
#include <fmt/format.h>

#include <map>

#include "store/sqlite/connection.h"
#include "store/sqlite/sqlite_store.h"

namespace sluice::store {

using engine::DeploymentRecord;
using engine::DeploymentReview;
using engine::DeploymentStatus;
using sqlite::Database;
using sqlite::for_each_row;
using sqlite::run_cached;
using sqlite::Statement;

namespace {

constexpr const char* kDeploymentColumns =
    "d.id, d.environment, d.run_id, d.job_key, d.ref, d.sha, d.status, d.waiting_on, d.reason, "
    "d.revision, d.url, d.creator, d.rollback_of, d.created_ms, d.updated_ms";

DeploymentRecord read_deployment(const Statement& row) {
  DeploymentRecord d;
  d.id = row.column_int64(0);
  d.environment = row.column_text(1);
  d.run_id = row.column_int64(2);
  d.job_key = row.column_text(3);
  d.ref = row.column_text(4);
  d.sha = row.column_text(5);
  // Unknown text (a newer sluice's status) reads as failure: never as a good revision.
  d.status = engine::deployment_status_from_string(row.column_text(6))
                 .value_or(DeploymentStatus::kFailure);
  d.waiting_on = engine::deployment_wait_from_string(row.column_text(7));
  d.reason = row.column_text(8);
  d.revision = row.column_text(9);
  d.url = row.column_text(10);
  d.creator = row.column_text(11);
  d.rollback_of = row.column_int64(12);
  d.created_ms = row.column_int64(13);
  d.updated_ms = row.column_int64(14);
  return d;
}

Error no_deployment(int64_t id) {
  return Error{fmt::format("deployment {} does not exist", id), {}};
}

}  // namespace

template <typename... Args>
Result<std::vector<DeploymentRecord>> SqliteStore::query_deployments(const std::string& where,
                                                                     const Args&... args) {
  if (Status flushed = flush(); !flushed) return flushed.error();  // read our own writes
  std::lock_guard lock(read_mutex_);
  std::vector<DeploymentRecord> out;
  Status status = reader_->transaction(Database::Mode::kRead, [&]() -> Status {
    out.clear();
    Status s = for_each_row(
        *reader_, fmt::format("SELECT {} FROM deployments d WHERE {}", kDeploymentColumns, where),
        [&](const Statement& row) { out.push_back(read_deployment(row)); }, args...);
    if (!s || out.empty()) return s;
    std::map<int64_t, DeploymentRecord*> by_id;
    for (DeploymentRecord& d : out) by_id[d.id] = &d;
    // The reviews of the listed deployments: one range of the index per deployment.
    for (auto& [id, record] : by_id) {
      s = for_each_row(
          *reader_,
          "SELECT deployment_id, user, decision, comment, time_ms FROM deployment_reviews "
          "WHERE deployment_id = ? ORDER BY id",
          [&, record = record](const Statement& row) {
            DeploymentReview review;
            review.deployment_id = row.column_int64(0);
            review.user = row.column_text(1);
            review.decision = engine::review_decision_from_string(row.column_text(2))
                                  .value_or(engine::ReviewDecision::kRejected);
            review.comment = row.column_text(3);
            review.time_ms = row.column_int64(4);
            record->reviews.push_back(std::move(review));
          },
          id);
      if (!s) return s;
    }
    return Status::Ok();
  });
  if (!status) return Error{"deployments: " + status.error().message, {}};
  return out;
}

Status SqliteStore::create_deployment(DeploymentRecord& deployment) {
  int64_t id = 0;
  Status status = write(
      "create_deployment", "",
      [&](Database& db) -> Status {
        Status inserted = run_cached(
            db,
            "INSERT INTO deployments (environment, run_id, job_key, ref, sha, status, waiting_on, "
            "reason, revision, url, creator, rollback_of, created_ms, updated_ms) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            deployment.environment, deployment.run_id, deployment.job_key, deployment.ref,
            deployment.sha, engine::to_string(deployment.status),
            engine::to_string(deployment.waiting_on), deployment.reason, deployment.revision,
            deployment.url, deployment.creator, deployment.rollback_of, deployment.created_ms,
            deployment.updated_ms);
        if (!inserted) return inserted;
        id = db.last_insert_rowid();
        return Status::Ok();
      },
      true);
  if (!status) return status;
  deployment.id = id;
  return Status::Ok();
}

Status SqliteStore::save_deployment(const DeploymentRecord& deployment) {
  return write(
      "save_deployment", "",
      [&](Database& db) -> Status {
        Status updated = run_cached(
            db,
            "UPDATE deployments SET environment = ?, run_id = ?, job_key = ?, ref = ?, sha = ?, "
            "status = ?, waiting_on = ?, reason = ?, revision = ?, url = ?, creator = ?, "
            "rollback_of = ?, created_ms = ?, updated_ms = ? WHERE id = ?",
            deployment.environment, deployment.run_id, deployment.job_key, deployment.ref,
            deployment.sha, engine::to_string(deployment.status),
            engine::to_string(deployment.waiting_on), deployment.reason, deployment.revision,
            deployment.url, deployment.creator, deployment.rollback_of, deployment.created_ms,
            deployment.updated_ms, deployment.id);
        if (!updated) return updated;
        if (db.changes() == 0) return no_deployment(deployment.id);
        return Status::Ok();
      },
      true);
}

Status SqliteStore::add_deployment_review(const DeploymentReview& review) {
  return write(
      "add_deployment_review", "",
      [&](Database& db) -> Status {
        Result<int64_t> exists = db.query_int(
            fmt::format("SELECT COUNT(*) FROM deployments WHERE id = {}", review.deployment_id));
        if (!exists) return exists.error();
        if (*exists == 0) return no_deployment(review.deployment_id);
        return run_cached(db,
                          "INSERT INTO deployment_reviews (deployment_id, user, decision, "
                          "comment, time_ms) VALUES (?, ?, ?, ?, ?)",
                          review.deployment_id, review.user, engine::to_string(review.decision),
                          review.comment, review.time_ms);
      },
      true);
}

Result<std::optional<DeploymentRecord>> SqliteStore::load_deployment(int64_t id) {
  auto found = query_deployments("d.id = ?", id);
  if (!found) return found.error();
  if (found->empty()) return std::optional<DeploymentRecord>();
  return std::optional<DeploymentRecord>(std::move(found->front()));
}

Result<std::vector<DeploymentRecord>> SqliteStore::list_deployments(
    const engine::DeploymentQuery& query) {
  // Empty filters match everything; the indexes serve the environment and run ranges.
  return query_deployments(
      "(?1 = '' OR d.environment = ?1) AND (?2 = 0 OR d.run_id = ?2) ORDER BY d.id DESC LIMIT ?3",
      query.environment, query.run_id, static_cast<int64_t>(query.limit > 0 ? query.limit : -1));
}

Result<std::optional<DeploymentRecord>> SqliteStore::last_good_deployment(
    const std::string& environment) {
  auto found = query_deployments(
      "d.environment = ? AND d.status = 'success' ORDER BY d.id DESC LIMIT 1", environment);
  if (!found) return found.error();
  if (found->empty()) return std::optional<DeploymentRecord>();
  return std::optional<DeploymentRecord>(std::move(found->front()));
}

Result<bool> SqliteStore::try_start_deployment(int64_t id, int limit, int64_t now_ms) {
  bool started = false;
  // One write transaction (BEGIN IMMEDIATE): two processes cannot both count the same free
  // slot, since the second one's count runs after the first one's update is committed.
  Status status = write(
      "try_start_deployment", "",
      [&](Database& db) -> Status {
        started = false;
        Result<Statement*> count = db.cached(
            "SELECT COUNT(*) FROM deployments d JOIN runs r ON r.id = d.run_id "
            "WHERE d.environment = (SELECT environment FROM deployments WHERE id = ?1) "
            "AND d.id != ?1 AND r.status IN ('queued', 'waiting', 'running') "
            "AND (d.status = 'in_progress' OR "
            "(d.status = 'waiting' AND d.waiting_on = 'concurrency' AND d.id < ?1))");
        if (!count) return count.error();
        Status bound = (*count)->bind(1, id);
        if (!bound) return bound;
        Result<bool> row = (*count)->step();
        if (!row) return row.error();
        int64_t ahead = (*count)->column_int64(0);
        (*count)->reset();
        if (ahead >= limit) return Status::Ok();
        Status updated = run_cached(db,
                                    "UPDATE deployments SET status = 'in_progress', "
                                    "waiting_on = '', reason = '', updated_ms = ? WHERE id = ?",
                                    now_ms, id);
        if (!updated) return updated;
        if (db.changes() == 0) return no_deployment(id);
        started = true;
        return Status::Ok();
      },
      true);
  if (!status) return status.error();
  return started;
}

}  // namespace sluice::store
