// A small, fully known run history for the report, log-selection and CLI tests:
// run 1 "ETL" #1, success: job "crawl (cases)" (2 steps; step 2 retried once) and job
// "denormalize" (1 step, an annotation); plus run 2, still running.
#pragma once

#include <filesystem>
#include <string>

#include "engine/store.h"

namespace sluice::store::testing {

constexpr int64_t kT0 = 1'764'444'600'000;  // 2025-11-29 19:30:00 UTC

inline Status write_log(engine::Store& store, engine::AttemptRecord& attempt,
                        const std::vector<std::string>& lines) {
  auto log = store.open_log(attempt);
  if (!log) return log.error();
  for (const auto& line : lines) (*log)->append_line(line);
  (*log)->close();
  attempt.log_lines = (*log)->lines();
  attempt.log_bytes = (*log)->bytes();
  return store.save_attempt(attempt);
}

inline Status seed_history(engine::Store& store) {
  using engine::RunStatus;
  engine::RunRecord run;
  run.workflow_file = ".github/workflows/etl.yml";
  run.workflow_name = "ETL";
  run.event = "workflow_dispatch";
  run.ref = "refs/heads/main";
  run.sha = "0123456789abcdef0123456789abcdef01234567";
  run.inputs_json = R"({"month":"2025-11"})";
  run.created_ms = kT0;
  Status s = store.create_run(run);
  if (!s) return s;
  run.status = RunStatus::kSuccess;
  run.started_ms = kT0;
  run.finished_ms = kT0 + 4200;
  if (!(s = store.save_run(run))) return s;

  engine::JobRecord crawl{run.id,
                          "crawl (cases)",
                          "crawl",
                          "Crawl",
                          R"({"dataset":"cases"})",
                          RunStatus::kSuccess,
                          "",
                          1,
                          R"({"rows":"120"})",
                          kT0,
                          kT0 + 3000,
                          ""};
  engine::JobRecord denormalize{run.id,
                                "denormalize",
                                "denormalize",
                                "Denormalize",
                                "",
                                RunStatus::kSuccess,
                                "",
                                1,
                                "",
                                kT0 + 3000,
                                kT0 + 4200,
                                ""};
  if (!(s = store.save_job(crawl))) return s;
  if (!(s = store.save_job(denormalize))) return s;

  auto step = [&](const std::string& job, int index, const std::string& id, const std::string& name,
                  int attempts, int64_t start, int64_t end) {
    engine::StepRecord r;
    r.run_id = run.id;
    r.job_key = job;
    r.index = index;
    r.step_id = id;
    r.name = name;
    r.status = r.outcome = RunStatus::kSuccess;
    r.attempts = attempts;
    r.exit_code = 0;
    r.started_ms = start;
    r.finished_ms = end;
    return store.save_step(r);
  };
  auto attempt = [&](const std::string& job, int index, int n, RunStatus status,
                     const std::string& reason, int64_t start, int64_t end,
                     const std::vector<std::string>& lines) {
    engine::AttemptRecord a;
    a.run_id = run.id;
    a.job_key = job;
    a.step_index = index;
    a.attempt = n;
    a.status = status;
    a.exit_code = status == RunStatus::kSuccess ? 0 : 1;
    a.failure_class = status == RunStatus::kSuccess ? FailureClass::kNone : FailureClass::kExitCode;
    a.reason = reason;
    a.started_ms = start;
    a.finished_ms = end;
    Status saved = store.save_attempt(a);
    return saved ? write_log(store, a, lines) : saved;
  };
  if (!(s = step("crawl (cases)", 0, "fetch", "Fetch cases", 1, kT0, kT0 + 850))) return s;
  if (!(s = attempt("crawl (cases)", 0, 1, RunStatus::kSuccess, "", kT0, kT0 + 850,
                    {"fetching cases.csv", "120 rows"})))
    return s;
  if (!(s = step("crawl (cases)", 1, "validate", "", 2, kT0 + 850, kT0 + 3000))) return s;
  if (!(s = attempt("crawl (cases)", 1, 1, RunStatus::kFailure,
                    "exit code 1; retrying in 1s (exit-codes: [1])", kT0 + 850, kT0 + 1900,
                    {"schema check", "flaky network"})))
    return s;
  if (!(s = attempt("crawl (cases)", 1, 2, RunStatus::kSuccess, "", kT0 + 1900, kT0 + 3000,
                    {"schema ok"})))
    return s;
  if (!(s = step("denormalize", 0, "", "Join tables", 1, kT0 + 3000, kT0 + 4200))) return s;
  if (!(s = attempt("denormalize", 0, 1, RunStatus::kSuccess, "", kT0 + 3000, kT0 + 4200,
                    {"joined 4 tables"})))
    return s;
  engine::Annotation note{run.id,
                          "denormalize",
                          0,
                          engine::AnnotationLevel::kWarning,
                          "3 rows without population",
                          "",
                          "data/population.csv",
                          17,
                          17,
                          0,
                          0};
  if (!(s = store.add_annotation(note))) return s;

  engine::RunRecord running;
  running.workflow_file = ".github/workflows/etl.yml";
  running.workflow_name = "ETL";
  running.event = "schedule";
  running.created_ms = kT0 + 60'000;
  if (!(s = store.create_run(running))) return s;
  running.status = RunStatus::kRunning;
  running.started_ms = kT0 + 60'000;
  return store.save_run(running);
}

}  // namespace sluice::store::testing
