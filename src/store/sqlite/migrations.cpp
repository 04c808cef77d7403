#include "store/sqlite/migrations.h"

#include <fmt/format.h>

namespace sluice::store::sqlite {

namespace {

// Version 1: the run history itself.
constexpr const char* kRunHistory = R"sql(
CREATE TABLE runs (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  workflow_file TEXT    NOT NULL,
  run_number    INTEGER NOT NULL,
  workflow_name TEXT    NOT NULL DEFAULT '',
  run_name      TEXT    NOT NULL DEFAULT '',
  event         TEXT    NOT NULL DEFAULT '',
  ref           TEXT    NOT NULL DEFAULT '',
  sha           TEXT    NOT NULL DEFAULT '',
  inputs_json   TEXT    NOT NULL DEFAULT '',
  status        TEXT    NOT NULL,
  created_ms    INTEGER NOT NULL DEFAULT 0,
  started_ms    INTEGER NOT NULL DEFAULT 0,
  finished_ms   INTEGER NOT NULL DEFAULT 0,
  UNIQUE (workflow_file, run_number)
);
CREATE TABLE jobs (
  id           INTEGER PRIMARY KEY,
  run_id       INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  key          TEXT    NOT NULL,
  job_id       TEXT    NOT NULL DEFAULT '',
  name         TEXT    NOT NULL DEFAULT '',
  matrix_json  TEXT    NOT NULL DEFAULT '',
  status       TEXT    NOT NULL,
  reason       TEXT    NOT NULL DEFAULT '',
  attempt      INTEGER NOT NULL DEFAULT 1,
  outputs_json TEXT    NOT NULL DEFAULT '',
  started_ms   INTEGER NOT NULL DEFAULT 0,
  finished_ms  INTEGER NOT NULL DEFAULT 0,
  UNIQUE (run_id, key)
);
CREATE TABLE steps (
  id           INTEGER PRIMARY KEY,
  run_id       INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  job_key      TEXT    NOT NULL,
  step_index   INTEGER NOT NULL,
  step_id      TEXT    NOT NULL DEFAULT '',
  name         TEXT    NOT NULL DEFAULT '',
  status       TEXT    NOT NULL,
  outcome      TEXT    NOT NULL,
  reason       TEXT    NOT NULL DEFAULT '',
  attempts     INTEGER NOT NULL DEFAULT 0,
  exit_code    INTEGER NOT NULL DEFAULT -1,
  outputs_json TEXT    NOT NULL DEFAULT '',
  started_ms   INTEGER NOT NULL DEFAULT 0,
  finished_ms  INTEGER NOT NULL DEFAULT 0,
  UNIQUE (run_id, job_key, step_index)
);
CREATE TABLE attempts (
  id            INTEGER PRIMARY KEY,
  run_id        INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  job_key       TEXT    NOT NULL,
  step_index    INTEGER NOT NULL,
  job_attempt   INTEGER NOT NULL,
  attempt       INTEGER NOT NULL,
  status        TEXT    NOT NULL,
  exit_code     INTEGER NOT NULL DEFAULT -1,
  signal        INTEGER NOT NULL DEFAULT 0,
  failure_class TEXT    NOT NULL DEFAULT '',
  reason        TEXT    NOT NULL DEFAULT '',
  started_ms    INTEGER NOT NULL DEFAULT 0,
  finished_ms   INTEGER NOT NULL DEFAULT 0,
  UNIQUE (run_id, job_key, step_index, job_attempt, attempt)
);
)sql";

// Version 2: the log index (where each attempt's log file is and how big it is) and
// the annotations printed by steps.
constexpr const char* kLogIndexAndAnnotations = R"sql(
ALTER TABLE attempts ADD COLUMN log_path  TEXT    NOT NULL DEFAULT '';
ALTER TABLE attempts ADD COLUMN log_lines INTEGER NOT NULL DEFAULT 0;
ALTER TABLE attempts ADD COLUMN log_bytes INTEGER NOT NULL DEFAULT 0;
CREATE TABLE annotations (
  id          INTEGER PRIMARY KEY,
  run_id      INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  job_key     TEXT    NOT NULL DEFAULT '',
  step_index  INTEGER NOT NULL DEFAULT -1,
  level       TEXT    NOT NULL,
  message     TEXT    NOT NULL DEFAULT '',
  title       TEXT    NOT NULL DEFAULT '',
  file        TEXT    NOT NULL DEFAULT '',
  line        INTEGER NOT NULL DEFAULT 0,
  end_line    INTEGER NOT NULL DEFAULT 0,
  col         INTEGER NOT NULL DEFAULT 0,
  end_col     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX annotations_by_run ON annotations(run_id, id);
)sql";

// Version 3: `sluice runs` lists newest first and the UI filters by status.
constexpr const char* kRunIndexes = R"sql(
CREATE INDEX runs_by_status ON runs(status, id);
)sql";

// Version 4: one log file per job attempt; each step attempt is a slice of it.
constexpr const char* kLogOffsets = R"sql(
ALTER TABLE attempts ADD COLUMN log_offset INTEGER NOT NULL DEFAULT 0;
)sql";

// Version 5: crash recovery and re-runs. `owner` names the process that runs a run (its
// lock file under <data dir>/owners/, see store/run_owner.h): a later command that finds
// the owner gone marks the run `interrupted`, with `reason` saying why. `workspace`,
// `job_filter`, `vars_json` and `rerun_of` are what `sluice rerun` needs besides event,
// ref, sha and inputs (secrets are never stored).
constexpr const char* kOwnerAndRerun = R"sql(
ALTER TABLE runs ADD COLUMN owner      TEXT    NOT NULL DEFAULT '';
ALTER TABLE runs ADD COLUMN reason     TEXT    NOT NULL DEFAULT '';
ALTER TABLE runs ADD COLUMN workspace  TEXT    NOT NULL DEFAULT '';
ALTER TABLE runs ADD COLUMN job_filter TEXT    NOT NULL DEFAULT '';
ALTER TABLE runs ADD COLUMN vars_json  TEXT    NOT NULL DEFAULT '';
ALTER TABLE runs ADD COLUMN rerun_of   INTEGER NOT NULL DEFAULT 0;
)sql";

// The commit a remote action (steps) or a remote reusable workflow (caller jobs) resolved to.
constexpr const char* kResolvedCommits = R"sql(
ALTER TABLE jobs  ADD COLUMN workflow_sha TEXT NOT NULL DEFAULT '';
ALTER TABLE steps ADD COLUMN action_sha   TEXT NOT NULL DEFAULT '';
)sql";

// Version 7: what each job needs (keys of jobs of the same run, a JSON array), for the job graph.
constexpr const char* kJobNeeds = R"sql(
ALTER TABLE jobs ADD COLUMN needs_json TEXT NOT NULL DEFAULT '';
)sql";

// Version 8: deployments to environments (engine/deployment_record.h) and their reviews,
// appended by `sluice approve`/`sluice reject` from other processes. Listed per environment
// and per run, newest first.
constexpr const char* kDeployments = R"sql(
CREATE TABLE deployments (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  environment TEXT    NOT NULL,
  run_id      INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  job_key     TEXT    NOT NULL DEFAULT '',
  ref         TEXT    NOT NULL DEFAULT '',
  sha         TEXT    NOT NULL DEFAULT '',
  status      TEXT    NOT NULL,
  waiting_on  TEXT    NOT NULL DEFAULT '',
  reason      TEXT    NOT NULL DEFAULT '',
  revision    TEXT    NOT NULL DEFAULT '',
  url         TEXT    NOT NULL DEFAULT '',
  creator     TEXT    NOT NULL DEFAULT '',
  rollback_of INTEGER NOT NULL DEFAULT 0,
  created_ms  INTEGER NOT NULL DEFAULT 0,
  updated_ms  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX deployments_by_environment ON deployments(environment, id);
CREATE INDEX deployments_by_run ON deployments(run_id, id);
CREATE TABLE deployment_reviews (
  id            INTEGER PRIMARY KEY,
  deployment_id INTEGER NOT NULL REFERENCES deployments(id) ON DELETE CASCADE,
  user          TEXT    NOT NULL,
  decision      TEXT    NOT NULL,
  comment       TEXT    NOT NULL DEFAULT '',
  time_ms       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX deployment_reviews_by_deployment ON deployment_reviews(deployment_id, id);
)sql";

// Version 9: deployment journals (deploy/journal.h): one row per transition, appended before
// the deployer acts on it. No foreign key to runs: a deployment may run outside a run.
constexpr const char* kDeployJournal = R"sql(
CREATE TABLE deploy_journal (
  deployment_id TEXT    NOT NULL,
  seq           INTEGER NOT NULL,
  environment   TEXT    NOT NULL DEFAULT '',
  run_id        INTEGER NOT NULL DEFAULT 0,
  target        TEXT    NOT NULL DEFAULT '',
  phase         TEXT    NOT NULL,
  state         TEXT    NOT NULL,
  detail        TEXT    NOT NULL DEFAULT '',
  time_ms       INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (deployment_id, seq)
);
CREATE INDEX deploy_journal_by_environment ON deploy_journal (environment);
)sql";

}  // namespace

const std::vector<Migration>& schema_migrations() {
  static const std::vector<Migration> kMigrations = {
      {1, "runs, jobs, steps, attempts", kRunHistory},
      {2, "log index on attempts; annotations", kLogIndexAndAnnotations},
      {3, "index runs by status", kRunIndexes},
      {4, "log offsets: one log file per job attempt", kLogOffsets},
      {5, "run owner and reason; what a re-run needs", kOwnerAndRerun},
      {6, "commits of remote actions and called workflows", kResolvedCommits},
      {7, "the needs of each job", kJobNeeds},
      {8, "deployments to environments and their reviews", kDeployments},
      {9, "deployment journals", kDeployJournal},
  };
  return kMigrations;
}

int latest_schema_version() {
  return schema_migrations().back().version;
}

Result<int> schema_version(Database& db) {
  Result<int64_t> version = db.query_int("PRAGMA user_version");
  if (!version) return version.error();
  return static_cast<int>(*version);
}

Status migrate(Database& db, int target) {
  return migrate(db, schema_migrations(), target);
}

Status migrate(Database& db, const std::vector<Migration>& migrations, int target) {
  const int latest = migrations.back().version;
  if (target < 0) target = latest;
  // Checked outside any write lock, so readers of an up-to-date database never write.
  Result<int> before = schema_version(db);
  if (!before) return before.error();
  if (*before > latest) {
    return Error{
        fmt::format("database {} has schema version {}, newer than this sluice knows ({}); "
                    "upgrade sluice to read it",
                    db.path(), *before, latest),
        {}};
  }
  if (*before >= target) return Status::Ok();
  for (const Migration& migration : migrations) {
    if (migration.version > target) break;
    Status status = db.transaction(Database::Mode::kWrite, [&]() -> Status {
      // Read inside the write lock: another process may have migrated meanwhile.
      Result<int> current = schema_version(db);
      if (!current) return current.error();
      if (*current > latest) {
        return Error{
            fmt::format("database {} has schema version {}, newer than this sluice knows ({}); "
                        "upgrade sluice to read it",
                        db.path(), *current, latest),
            {}};
      }
      if (*current >= migration.version) return Status::Ok();
      Status applied = db.exec(migration.sql);
      if (!applied) return applied;
      return db.exec(fmt::format("PRAGMA user_version = {}", migration.version));
    });
    if (!status) {
      return Error{fmt::format("schema migration to version {} ({}) failed: {}", migration.version,
                               migration.description, status.error().message),
                   {}};
    }
  }
  return Status::Ok();
}

}  // namespace sluice::store::sqlite
