#include "runtime/index_common.h"

#include <chrono>

#include "store/sqlite/runtime_tables.h"

namespace sluice::runtime {

Status release_blobs(store::sqlite::Database& db, BlobStore& blobs,
                     const std::vector<std::string>& digests) {
  for (const std::string& digest : digests) {
    if (digest.empty()) continue;
    Status status = db.transaction(store::sqlite::Database::Mode::kWrite, [&]() -> Status {
      Result<bool> referenced = store::sqlite::blob_referenced(db, digest);
      if (!referenced) return referenced.error();
      return *referenced ? Status::Ok() : blobs.remove(digest);
    });
    if (!status) return status;
  }
  return Status::Ok();
}

namespace {

constexpr const char* kRefusalCodes[] = {"already_exists", "not_found", "invalid_argument",
                                         "failed_precondition"};

}  // namespace

std::string_view refusal_code(const Error& error) {
  for (const char* code : kRefusalCodes) {
    std::string_view c(code);
    if (error.message.size() > c.size() + 1 && error.message.compare(0, c.size(), c) == 0 &&
        error.message.compare(c.size(), 2, ": ") == 0)
      return c;
  }
  return {};
}

Error refusal(const char* code, const std::string& message) {
  return Error{std::string(code) + ": " + message, {}};
}

std::function<int64_t()> wall_clock_ms() {
  return [] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  };
}

}  // namespace sluice::runtime
