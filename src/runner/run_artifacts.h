// A run's artifacts on the command line: the table `sluice artifacts RUN` and `sluice show
// RUN` print, and the JSON `sluice show RUN --json` adds. Reading never creates runtime.db.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"
#include "store/sqlite/runtime_tables.h"

namespace sluice::runner {

// The run's finalized, unexpired artifacts by id (none when the data dir has no runtime.db).
Result<std::vector<store::Artifact>> load_run_artifacts(const std::string& data_dir,
                                                        int64_t run_id);

// "1.5 MiB": sizes for humans, binary units.
std::string format_size(uint64_t bytes);

// One row per artifact: id, name, size, job, digest (ends with a newline).
std::string format_artifact_table(const std::vector<store::Artifact>& artifacts);

// The `sluice show` section ("" when there are none): a blank line, "artifacts", the table.
std::string artifacts_section(const std::vector<store::Artifact>& artifacts);

// `json` (a run detail from `sluice show --json`) with an "artifacts" array added.
std::string with_artifacts_json(const std::string& json,
                                const std::vector<store::Artifact>& artifacts);

}  // namespace sluice::runner
