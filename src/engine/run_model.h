// The vocabulary of a run's state: statuses and the records the engine hands to the
// Store. Records are plain data; the engine owns them and saves a copy on each change.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/failure_class.h"

namespace sluice::engine {

// Every job, step and attempt moves forward through these states only:
//   kQueued -> kWaiting (blocked on needs/concurrency) -> kRunning -> one terminal state.
// A node that never runs goes straight from kQueued/kWaiting to kSkipped or kCancelled.
// kInterrupted is set by a later sluice command, never by the engine: the process that
// ran the run died (SIGKILL, power cut) before recording a final state (store/run_owner.h).
enum class RunStatus {
  kQueued,
  kWaiting,
  kRunning,
  kSuccess,
  kFailure,
  kTimedOut,
  kCancelled,
  kSkipped,
  kInterrupted
};

bool is_terminal(RunStatus status);
const char* to_string(RunStatus status);  // "queued", "success", "timed_out", ...
RunStatus run_status_from_string(const std::string& text);
// GitHub's result string for `needs.<id>.result` / `steps.<id>.outcome`:
// success | failure | cancelled | skipped (timed out and interrupted count as failure).
const char* github_result(RunStatus status);

struct RunRecord {
  int64_t id = 0;          // assigned by Store::create_run
  int64_t run_number = 0;  // per workflow, assigned by Store::create_run
  std::string workflow_file;
  std::string workflow_name;
  std::string run_name;
  std::string event;  // push | workflow_dispatch | schedule | ...
  std::string ref;
  std::string sha;
  std::string inputs_json;  // masked
  RunStatus status = RunStatus::kQueued;
  std::string reason;  // why the run ended as it did, for humans ("" when it speaks for itself)
  // The process running the run (store/run_owner.h): "<pid>:<start time>", "" if unknown.
  std::string owner;
  // What `sluice rerun` needs besides event, ref, sha and inputs (secrets are never stored).
  std::string workspace;   // the repository directory, absolute
  std::string job_filter;  // --job, "" for every job
  std::string vars_json;   // --var values as a JSON object ("" when none)
  int64_t rerun_of = 0;    // the run this one re-runs, 0 for none
  int64_t created_ms = 0;
  int64_t started_ms = 0;
  int64_t finished_ms = 0;
};

struct JobRecord {
  int64_t run_id = 0;
  std::string key;  // unique in the run: "build" or "build (linux, 18)"
  std::string job_id;
  std::string name;
  std::string matrix_json;  // "" when not a matrix job
  RunStatus status = RunStatus::kQueued;
  std::string reason;  // why skipped / failed / cancelled, for humans
  int attempt = 1;
  std::string outputs_json;  // masked
  int64_t started_ms = 0;
  int64_t finished_ms = 0;
  // A caller of a remote reusable workflow: the commit its file was fetched at; else "".
  std::string workflow_sha;
  // The keys of the jobs it needs (plan::PlannedJob::needs) as a JSON array; "" for none.
  // What the web UI draws the job graph from. (Initialised so that the positional
  // initialisers written before it existed stay complete.)
  std::string needs_json{};
};

// PlannedJob::needs as JobRecord::needs_json.
std::string needs_to_json(const std::vector<std::string>& needs);

struct StepRecord {
  int64_t run_id = 0;
  std::string job_key;
  int index = 0;  // 0-based position in the job (pre/post steps are numbered in order)
  std::string step_id;
  std::string name;
  RunStatus status = RunStatus::kQueued;   // conclusion (after continue-on-error)
  RunStatus outcome = RunStatus::kQueued;  // before continue-on-error
  std::string reason;
  int attempts = 0;
  int exit_code = -1;
  std::string outputs_json;  // masked
  int64_t started_ms = 0;
  int64_t finished_ms = 0;
  // A remote action (`owner/repo@ref`): the commit that ran; "" for other steps.
  std::string action_sha;
};

// One execution of a step; retried steps (and steps of retried jobs) have several.
struct AttemptRecord {
  int64_t run_id = 0;
  std::string job_key;
  int step_index = 0;
  int job_attempt = 1;
  int attempt = 1;
  RunStatus status = RunStatus::kRunning;
  int exit_code = -1;
  int signal = 0;
  FailureClass failure_class = FailureClass::kNone;
  std::string reason;      // human text, e.g. "exit code 3; retrying in 2s (exit-codes: [3])"
  std::string log_path;    // set by Store::open_log; empty when the attempt has no log
  int64_t log_offset = 0;  // where the attempt's text starts in log_path (a job's
                           // step attempts share one file, one after another)
  int64_t log_lines = 0;
  int64_t log_bytes = 0;
  int64_t started_ms = 0;
  int64_t finished_ms = 0;
};

enum class AnnotationLevel { kError, kWarning, kNotice };
const char* to_string(AnnotationLevel level);

struct Annotation {
  int64_t run_id = 0;
  std::string job_key;
  int step_index = -1;
  AnnotationLevel level = AnnotationLevel::kNotice;
  std::string message;  // masked
  std::string title;
  std::string file;
  int line = 0;
  int end_line = 0;
  int column = 0;
  int end_column = 0;
};

// Counts shown in every run summary ("7 actions: 7 succeeded, 0 failed, ...").
struct RunStatistics {
  int total = 0;
  int succeeded = 0;
  int failed = 0;
  int timed_out = 0;
  int cancelled = 0;
  int skipped = 0;
  int interrupted = 0;
  int running = 0;
};

// The run summary's "actions", as the scheduled data pipeline of the CI/CD-for-data-
// pipelines write-up counts them: one per job instance. Each matrix combination counts;
// the records that only group others (a matrix job's own record "build" next to
// "build (linux)", a reusable-workflow caller "call" next to "call / one") do not.
// Jobs not finished yet count as running, so the parts always add up to `total`.
RunStatistics compute_action_statistics(const std::vector<JobRecord>& jobs);
// The same counts over steps (StepRecord::status, the conclusion).
RunStatistics compute_step_statistics(const std::vector<StepRecord>& steps);
// "7 actions: 7 succeeded, 0 failed, 0 timed out, 0 cancelled, 0 skipped, 0 running"
// (", N interrupted" before "running" when N > 0);
// `noun` is singular ("action", "step") and gets an "s" unless the total is 1.
std::string format_statistics(const RunStatistics& stats, const char* noun = "action");
// A duration for humans: "850ms", "12.3s", "4m 05s", "2h 03m"; "-" when negative
// (callers pass -1 for a record that never started).
std::string format_duration_ms(int64_t duration_ms);

}  // namespace sluice::engine
