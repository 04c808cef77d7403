// Reads one step attempt's text: its slice of its job's log file.
#pragma once

#include <sstream>
#include <string>

#include "store/log_selection.h"
#include "store/sqlite/sqlite_store.h"

namespace sluice::store::testing {

inline std::string read_log_slice(const SqliteStore& store, const engine::AttemptRecord& attempt) {
  LogTail tail(store.log_file(attempt.log_path), static_cast<uint64_t>(attempt.log_offset));
  tail.set_end(static_cast<uint64_t>(attempt.log_offset + attempt.log_bytes));
  std::ostringstream text;
  tail.copy_new(text, /*final=*/true);
  return text.str();
}

}  // namespace sluice::store::testing
