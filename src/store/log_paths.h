// Where an attempt's log lives inside the data dir:
//   logs/<run id>/<job key, sanitised>/<step index>-<job attempt>-<attempt>.log
// Paths are relative to the data dir so that the directory can be moved or backed up
// as a whole.
#pragma once

#include <string>
#include <string_view>

#include "engine/run_model.h"

namespace sluice::store {

// A job key as one safe path component: letters, digits, '-', '_' and '.' are kept,
// everything else becomes '_', a leading '.' too (no "..", no hidden files), and the
// result is at most 80 characters. When anything had to change, a hash of the original
// key is appended, so that two keys that differ only in replaced characters
// ("a b", "a_b") never share a directory.
std::string sanitize_path_component(std::string_view text);

std::string attempt_log_path(const engine::AttemptRecord& attempt);

}  // namespace sluice::store
