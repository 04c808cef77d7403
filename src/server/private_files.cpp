#include "server/private_files.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/encodings.h"
#include "core/random.h"

namespace sluice::server {

namespace fs = std::filesystem;

std::string random_hex(size_t bytes) {
  return hex_encode(random_bytes(bytes));
}

Status write_private_file(const fs::path& path, const std::string& content) {
  fs::path temp = path.string() + ".tmp";
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Error{"cannot write " + temp.string() + ": " + std::strerror(errno), {}};
  ::fchmod(fd, 0600);
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n <= 0) {
      ::close(fd);
      return Error{"cannot write " + temp.string(), {}};
    }
    done += static_cast<size_t>(n);
  }
  ::fsync(fd);
  ::close(fd);
  std::error_code ec;
  fs::rename(temp, path, ec);
  if (ec) return Error{"cannot replace " + path.string() + ": " + ec.message(), {}};
  return Status::Ok();
}

FileLock::FileLock(const fs::path& path) {
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd_ >= 0) ::flock(fd_, LOCK_EX);
}

FileLock::~FileLock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace sluice::server
