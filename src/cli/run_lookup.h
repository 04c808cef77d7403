// Naming a run on the command line: `sluice show|logs|rerun|artifacts RUN`.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/result.h"
#include "engine/store.h"
#include "store/sqlite/sqlite_store.h"

namespace sluice::cli {

// RUN is a run id or "latest" (also "last"): the newest run.
Result<int64_t> resolve_run(engine::Store& history, const std::string& text);

// Opens the history in `data_dir` without creating anything (runs whose process died are
// marked interrupted first, so that what is shown is true).
Result<std::unique_ptr<store::SqliteStore>> open_history(const std::string& data_dir,
                                                         const char* command);

// Opens the history and loads RUN; on failure prints "sluice <command>: error: ..." to
// stderr and returns the error (callers exit with kExitInvalid).
Result<engine::RunDetail> load(const char* command, const std::string& data_dir,
                               const std::string& run_text,
                               std::unique_ptr<store::SqliteStore>& history);

}  // namespace sluice::cli
