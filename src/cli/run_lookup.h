// Naming a run on the command line: `sluice show|logs|rerun RUN`.
#pragma once

#include <cstdint>
#include <string>

#include "core/result.h"
#include "engine/store.h"

namespace sluice::cli {

// RUN is a run id or "latest" (also "last"): the newest run.
Result<int64_t> resolve_run(engine::Store& history, const std::string& text);

}  // namespace sluice::cli
