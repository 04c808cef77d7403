// Where a job attempt's log lives inside the data dir:
//   logs/<run id>/<job key, sanitised>-<job attempt>.log
// Its step attempts are slices of it (attempts.log_offset, log_bytes). Runs recorded
// before schema version 4 have one file per step attempt, at offset 0.
// Paths are relative to the data dir so that the directory can be moved or backed up
// as a whole.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace sluice::store {

// A job key as one safe path component: letters, digits, '-', '_' and '.' are kept,
// everything else becomes '_', a leading '.' too (no "..", no hidden files), and the
// result is at most 80 characters. When anything had to change, a hash of the original
// key is appended, so that two keys that differ only in replaced characters
// ("a b", "a_b") never share a directory.
std::string sanitize_path_component(std::string_view text);

std::string job_log_path(int64_t run_id, std::string_view job_key, int job_attempt);

// What the run's steps wrote to GITHUB_STEP_SUMMARY, one "## <job>" section per job:
//   logs/<run id>/summary.md
std::string step_summary_path(int64_t run_id);

}  // namespace sluice::store
