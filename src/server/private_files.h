// Files only the controller's user may read (tokens, keys, secrets), random values, and a
// lock that serialises writers across processes (`sluice serve` and `sluice token|secret`).
#pragma once

#include <filesystem>
#include <string>

#include "core/result.h"

namespace sluice::server {

// `bytes` random bytes from the kernel (getrandom), as lowercase hex.
std::string random_hex(size_t bytes);

// Writes `content` to `path` with mode 0600, atomically (a temporary file renamed).
Status write_private_file(const std::filesystem::path& path, const std::string& content);

// Holds an exclusive flock on `path` (created 0600) for its lifetime.
class FileLock {
 public:
  explicit FileLock(const std::filesystem::path& path);
  ~FileLock();
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  bool ok() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

}  // namespace sluice::server
