#include "agent/tree_manifest.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <functional>
#include <thread>

namespace sluice::agent {
namespace {

int64_t nanoseconds(const timespec& t) {
  return static_cast<int64_t>(t.tv_sec) * 1'000'000'000 + t.tv_nsec;
}

TreeManifest::Entry entry_of(const std::string& path, const struct stat& st) {
  TreeManifest::Entry e;
  e.path = path;
  e.dev = st.st_dev;
  e.ino = st.st_ino;
  e.mode = st.st_mode;
  e.uid = st.st_uid;
  e.gid = st.st_gid;
  e.nlink = st.st_nlink;
  e.size = st.st_size;
  e.mtime_ns = nanoseconds(st.st_mtim);
  e.ctime_ns = nanoseconds(st.st_ctim);
  return e;
}

constexpr int kOpenDirectory = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;

// Visits the entries under the directory `dir_fd` (closed here; its path from the root is
// `prefix`) depth first, each directory's entries in name order; false as soon as `visit`
// says stop or an entry cannot be read.
bool walk(int dir_fd, const std::string& prefix,
          const std::function<bool(const TreeManifest::Entry&)>& visit) {
  DIR* dir = ::fdopendir(dir_fd);
  if (dir == nullptr) {
    ::close(dir_fd);
    return false;
  }
  std::vector<std::string> names;
  errno = 0;
  while (dirent* d = ::readdir(dir)) {
    if (std::strcmp(d->d_name, ".") != 0 && std::strcmp(d->d_name, "..") != 0)
      names.emplace_back(d->d_name);
  }
  bool ok = errno == 0;
  std::sort(names.begin(), names.end());
  for (size_t i = 0; ok && i < names.size(); ++i) {
    struct stat st {};
    ok = ::fstatat(::dirfd(dir), names[i].c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
         visit(entry_of(prefix + names[i], st));
    if (ok && S_ISDIR(st.st_mode)) {
      int child = ::openat(::dirfd(dir), names[i].c_str(), kOpenDirectory);
      ok = child >= 0 && walk(child, prefix + names[i] + "/", visit);
    }
  }
  ::closedir(dir);
  return ok;
}

bool walk(const std::string& root, const std::function<bool(const TreeManifest::Entry&)>& visit) {
  int fd = ::open(root.c_str(), kOpenDirectory);
  return fd >= 0 && walk(fd, "", visit);
}

}  // namespace

Result<TreeManifest> TreeManifest::record(const std::string& root) {
  TreeManifest m;
  int64_t newest = 0;
  bool ok = walk(root, [&](const Entry& e) {
    newest = std::max(newest, e.ctime_ns);
    m.entries_.push_back(e);
    return true;
  });
  if (!ok) return Error{"cannot read " + root + ": " + std::strerror(errno), {}};
  // A change in the tick of the newest ctime could stamp that same ctime (coarse kernel
  // timestamps): wait for the next tick. A clock tick is 1-10 ms; 200 ms is a clock that
  // does not move forward, or a ctime in the future (an entry made before the clock was
  // stepped back): not a tree that can be trusted unchanged by its ctimes.
  for (int waited_ms = 0;; ++waited_ms) {
    timespec now{};
    ::clock_gettime(CLOCK_REALTIME_COARSE, &now);
    if (nanoseconds(now) > newest) break;
    if (waited_ms >= 200)
      return Error{root + ": its entries' change times are not in the past", {}};
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return m;
}

// One stat per recorded entry, by its path, and no directory listed: a directory whose ctime
// is unchanged has the same entries (making, removing or renaming one sets it).
bool TreeManifest::unchanged(const std::string& root) const {
  int fd = ::open(root.c_str(), kOpenDirectory);
  if (fd < 0) return false;
  bool ok = true;
  for (size_t i = 0; ok && i < entries_.size(); ++i) {
    struct stat st {};
    ok = ::fstatat(fd, entries_[i].path.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
         entries_[i] == entry_of(entries_[i].path, st);
  }
  ::close(fd);
  return ok;
}

}  // namespace sluice::agent
