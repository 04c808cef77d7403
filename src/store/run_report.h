// Human renderings of the run history, shared by `sluice runs`, `sluice show`
// and (later) the controller's API. Output is deterministic for a given history and
// `now_ms` (timestamps are shown in the local time zone; tests set TZ).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/store.h"

namespace sluice::store {

// "2026-11-29 19:30:01" in local time; "-" for 0.
std::string format_timestamp_ms(int64_t epoch_ms);
// Wall time of something that started at `started_ms` and, when `finished_ms` is 0, is
// still going at `now_ms`; "-" when it never started.
std::string format_elapsed(int64_t started_ms, int64_t finished_ms, int64_t now_ms);

// `sluice runs`: ID WORKFLOW EVENT STATUS DURATION STARTED, newest first as given.
std::string format_run_table(const std::vector<engine::RunRecord>& runs, int64_t now_ms);
// `sluice show`: header, jobs with their steps and attempts, the statistics line of
// `sluice run` (actions = job instances) and a steps line, annotations.
std::string format_run_detail(const engine::RunDetail& detail, int64_t now_ms);
// `sluice show --json` and `sluice runs --json`: store/run_json.h.

// The step's label in listings: its name, else its id, else "step N" (1-based); only
// the first line, at most 48 characters (then "..." is appended).
std::string step_label(const engine::StepRecord& step);

}  // namespace sluice::store
