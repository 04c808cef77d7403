// What `sluice runs` and `sluice show` print, whatever the data's source: the local
// history or a controller's API print the same text, and with --json the documented JSON
// of store/run_json.h (docs/cli.md, "JSON formats").
#pragma once

#include <cstdint>
#include <string>

#include "engine/store.h"
#include "store/run_json.h"

namespace sluice::cli {

// Milliseconds since the Unix epoch, now (for durations of runs still going).
int64_t wall_clock_ms();

// The run table (or "no runs yet in <where>"), or {"runs": [...], "next_cursor": ...}.
void print_run_page(const store::RunPage& page, bool json, const std::string& where);
// The run, its jobs, steps, attempts, statistics, annotations and artifacts, or its JSON.
void print_run_view(const store::RunView& view, bool json);

// The run's records plus what lives beside them in the data dir: its step summaries
// (logs/<run>/summary.md) and its artifacts (runtime.db). Either one that cannot be read
// is left out with a warning on stderr.
store::RunView load_run_view(const std::string& data_dir, engine::RunDetail detail);

}  // namespace sluice::cli
