// The documented JSON of runs (docs/cli.md, "JSON formats"): what `sluice runs --json` and
// `sluice show --json` print and what the controller serves (GET /api/v1/runs and
// GET /api/v1/runs/{id}, docs/api.md). The reverse direction (from_json) lets a client
// print a run fetched from a server with the very printers that print a local one.
//
// Stability: field names are snake_case and are only added, never renamed or removed.
// Every time appears twice: `<name>_ms`, milliseconds since the Unix epoch (0 = not yet),
// and `<name>_at`, ISO-8601 UTC with milliseconds ("2026-12-03T06:28:43.120Z"; null = not
// yet). Statuses are engine::to_string(RunStatus): "queued", "success", "timed_out", ...
// Stored JSON (inputs, outputs, matrix values) is embedded as JSON (null when empty; a
// stored text that is not JSON is embedded as a string).
//
// nlohmann/json is only forward-declared here; callers that build or read the values
// include <nlohmann/json.hpp> themselves.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "core/result.h"
#include "engine/store.h"
#include "store/sqlite/runtime_tables.h"

namespace sluice::store {

// What one job's steps wrote to GITHUB_STEP_SUMMARY (markdown).
struct StepSummary {
  std::string job_key;
  std::string markdown;
};

// Everything `sluice show` knows about one run: the store's records plus the step
// summaries (logs/<run>/summary.md) and the run's artifacts (runtime.db).
struct RunView {
  engine::RunDetail detail;
  std::string project;  // the controller's project; "" for a local run
  std::vector<StepSummary> summaries;
  std::vector<Artifact> artifacts;
};

// One page of `runs`: newest first; `next_cursor` is "" on the last page.
struct RunPage {
  std::vector<engine::RunRecord> runs;
  std::string next_cursor;
  std::map<int64_t, std::string> projects;  // the controller's project of each run, by id
};

// "2026-12-03T06:28:43.120Z"; "" for a time <= 0.
std::string iso8601_utc(int64_t epoch_ms);

// {"id", "run_number", "project", "workflow_file", "workflow_name", "run_name", "event", "ref",
// "sha",
//  "inputs", "status", "reason", "rerun_of", "created_ms", "created_at", "started_ms",
//  "started_at", "finished_ms", "finished_at", "duration_ms"} — duration_ms is null until
// the run has started, and counts to its end (or, while it runs, to now_ms); project is
// null for a local run ("").
nlohmann::json run_summary_json(const engine::RunRecord& run, int64_t now_ms,
                                const std::string& project = "");
// {"runs": [summary...], "next_cursor": "..." | null}
nlohmann::json run_page_json(const RunPage& page, int64_t now_ms);
// {"run": summary, "statistics", "step_statistics", "jobs": [{..., "steps": [{...,
//  "attempts": [...]}]}], "annotations", "summaries": [{"job_key", "markdown"}],
//  "artifacts": [...]}
nlohmann::json run_detail_json(const RunView& view, int64_t now_ms);

// Pretty-printed (2 spaces) with a final newline; invalid UTF-8 (log-derived text) is
// replaced rather than thrown on.
std::string dump_json(const nlohmann::json& value);

// The reverse of the functions above. Unknown fields are ignored and missing ones take
// their defaults (a newer server may add fields); a value of the wrong type is an error.
// (The project, which RunRecord lacks, is read into RunPage::projects / RunView::project.)
Result<engine::RunRecord> run_summary_from_json(const nlohmann::json& value);
Result<RunPage> run_page_from_json(const nlohmann::json& value);
Result<RunView> run_view_from_json(const nlohmann::json& value);

// Splits logs/<run>/summary.md ("## <job key>" then that job's markdown, per job in
// finishing order) into per-job summaries. Only a heading naming one of `jobs` starts a
// section, so a job's own "## ..." headings stay in its markdown.
std::vector<StepSummary> split_step_summaries(const std::string& markdown,
                                              const std::vector<engine::JobRecord>& jobs);

}  // namespace sluice::store
