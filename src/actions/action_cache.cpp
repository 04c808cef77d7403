#include "actions/action_cache.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/value.h"

namespace fs = std::filesystem;

namespace sluice::actions {
namespace {

constexpr const char* kTempPrefix = ".tmp-";

std::string unique_suffix() {
  static int counter = 0;
  return std::to_string(::getpid()) + "-" +
         std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()) + "-" +
         std::to_string(++counter);
}

Error io_error(const std::string& what, const fs::path& path, const std::error_code& ec) {
  return Error{"action cache: cannot " + what + " " + path.string() + ": " + ec.message(), {}};
}

}  // namespace

RepositoryKey RepositoryKey::of(const std::string& owner, const std::string& repo) {
  return {to_lower(owner), to_lower(repo)};
}

RepositoryLock::~RepositoryLock() {
  if (fd_ >= 0) ::close(fd_);  // closing the last descriptor releases the flock
}

ActionCache::ActionCache(std::string root) : root_(std::move(root)) {}

std::string ActionCache::default_root() {
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg)
    return std::string(xdg) + "/sluice";
  const char* home = std::getenv("HOME");
  return std::string(home && *home ? home : "/tmp") + "/.cache/sluice";
}

std::string ref_file_name(const std::string& ref) {
  std::string out;
  for (char c : ref) {
    if (c == '/')
      out += "%2F";
    else if (c == '%')
      out += "%25";
    else
      out += c;
  }
  return out;
}

std::string ActionCache::tree_dir(const RepositoryKey& key, const std::string& sha) const {
  return (fs::path(root_) / "repos" / key.owner / key.repo / sha).string();
}

bool ActionCache::has_tree(const RepositoryKey& key, const std::string& sha) const {
  std::error_code ec;
  return fs::is_directory(tree_dir(key, sha), ec);
}

std::optional<RefRecord> ActionCache::read_ref(const RepositoryKey& key,
                                               const std::string& ref) const {
  fs::path path = fs::path(root_) / "refs" / key.owner / key.repo / ref_file_name(ref);
  std::ifstream in(path);
  std::string sha;
  if (!(in >> sha) || sha.size() != 40) return std::nullopt;
  std::error_code ec;
  auto written = fs::last_write_time(path, ec);
  if (ec) return std::nullopt;
  auto age = fs::file_time_type::clock::now() - written;
  return RefRecord{sha, std::chrono::duration_cast<std::chrono::seconds>(age).count()};
}

Status ActionCache::write_ref(const RepositoryKey& key, const std::string& ref,
                              const std::string& sha) {
  fs::path dir = fs::path(root_) / "refs" / key.owner / key.repo;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return io_error("create", dir, ec);
  fs::path temp = dir / (kTempPrefix + unique_suffix());
  {
    std::ofstream out(temp);
    out << sha << "\n";
    if (!out.flush()) return Error{"action cache: cannot write " + temp.string(), {}};
  }
  fs::rename(temp, dir / ref_file_name(ref), ec);
  if (ec) {
    fs::remove(temp);
    return io_error("write", dir / ref_file_name(ref), ec);
  }
  return Status::Ok();
}

Result<RepositoryLock> ActionCache::lock(const RepositoryKey& key) {
  fs::path dir = fs::path(root_) / "locks" / key.owner;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return io_error("create", dir, ec);
  fs::path path = dir / (key.repo + ".lock");
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0)
    return Error{"action cache: cannot open " + path.string() + ": " + std::strerror(errno), {}};
  while (::flock(fd, LOCK_EX) != 0) {
    if (errno == EINTR) continue;
    int error = errno;
    ::close(fd);
    return Error{"action cache: cannot lock " + path.string() + ": " + std::strerror(error), {}};
  }
  return RepositoryLock(fd);
}

Status ActionCache::install(const RepositoryKey& key, const std::string& sha,
                            const std::function<Status(const std::string&)>& fill) {
  fs::path repo_dir = fs::path(root_) / "repos" / key.owner / key.repo;
  std::error_code ec;
  fs::create_directories(repo_dir, ec);
  if (ec) return io_error("create", repo_dir, ec);
  // With the lock held nobody else writes here: any temporary directory is a dead one's.
  for (const auto& entry : fs::directory_iterator(repo_dir, ec))
    if (entry.path().filename().string().starts_with(kTempPrefix)) fs::remove_all(entry, ec);
  fs::path temp = repo_dir / (kTempPrefix + unique_suffix());
  fs::create_directories(temp, ec);
  if (ec) return io_error("create", temp, ec);
  Status filled = fill(temp.string());
  if (!filled.ok()) {
    fs::remove_all(temp, ec);
    return filled;
  }
  fs::path final_dir = repo_dir / sha;
  fs::rename(temp, final_dir, ec);
  if (ec) {
    std::error_code ignored;
    fs::remove_all(temp, ignored);
    // Someone who did not take the lock won the race: their tree is as good as ours.
    if (fs::is_directory(final_dir, ignored)) return Status::Ok();
    return io_error("install", final_dir, ec);
  }
  return Status::Ok();
}

}  // namespace sluice::actions
