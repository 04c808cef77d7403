#include "agent/workspace_archive.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>

#include "core/sha256.h"

extern char** environ;

namespace sluice::agent {

namespace fs = std::filesystem;

Status run_tool(const std::vector<std::string>& argv) {
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) return Error{"cannot create a pipe", {}};
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 1);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 2);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(pipe_fds[1]);
  if (rc != 0) {
    close(pipe_fds[0]);
    return Error{"cannot run " + argv[0] + ": " + std::strerror(rc), {}};
  }
  std::string output;
  char buffer[4096];
  ssize_t n;
  while ((n = read(pipe_fds[0], buffer, sizeof buffer)) > 0 || (n < 0 && errno == EINTR))
    if (n > 0 && output.size() < 4096) output.append(buffer, static_cast<size_t>(n));
  close(pipe_fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return Status::Ok();
  if (output.size() > 500) output.resize(500);
  return Error{argv[0] + " failed (status " + std::to_string(status) + "): " + output, {}};
}

Status create_workspace_archive(const std::string& dir, const std::string& archive) {
  return run_tool({"tar", "-C", dir, "-cf", archive, "."});
}

namespace {

struct ReadFree {
  void operator()(struct archive* a) const { archive_read_free(a); }
};
struct WriteFree {
  void operator()(struct archive* a) const { archive_write_free(a); }
};

Error archive_error(struct archive* a, const std::string& what) {
  const char* detail = archive_error_string(a);
  return Error{what + ": " + (detail != nullptr ? detail : "unknown error"), {}};
}

// A member's name inside the destination: "./a/b" and "/a/b" are "a/b" (as GNU tar drops a
// leading '/'); "" for the archive's root ("./"); nullopt for a name that climbs out.
std::optional<fs::path> inside(const char* raw) {
  std::string name = raw != nullptr ? raw : "";
  while (!name.empty() && name.front() == '/') name.erase(name.begin());
  fs::path relative = fs::path(name).lexically_normal();
  if (relative.empty() || relative == ".") return fs::path();
  for (const fs::path& part : relative)
    if (part == "..") return std::nullopt;
  return relative;
}

}  // namespace

Status extract_workspace_archive(const std::string& archive, const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Error{"cannot create " + dir + ": " + ec.message(), {}};
  fs::path root = fs::canonical(dir, ec);
  if (ec) return Error{"cannot resolve " + dir + ": " + ec.message(), {}};
  std::unique_ptr<struct archive, ReadFree> in(archive_read_new());
  archive_read_support_format_tar(in.get());
  if (archive_read_open_filename(in.get(), archive.c_str(), 1 << 16) != ARCHIVE_OK)
    return archive_error(in.get(), "cannot open " + archive);
  std::unique_ptr<struct archive, WriteFree> out(archive_write_disk_new());
  // Names are checked and prefixed with the (absolute) destination below; libarchive's own
  // guards refuse ".." and writing through a symbolic link that an earlier member made.
  // Ownership is not restored; permission bits are, without set-id bits, whatever the umask.
  archive_write_disk_set_options(out.get(), ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM |
                                                ARCHIVE_EXTRACT_SECURE_NODOTDOT |
                                                ARCHIVE_EXTRACT_SECURE_SYMLINKS);
  for (;;) {
    archive_entry* entry = nullptr;
    int rc = archive_read_next_header(in.get(), &entry);
    if (rc == ARCHIVE_EOF) break;
    if (rc < ARCHIVE_WARN) return archive_error(in.get(), "cannot read " + archive);
    std::optional<fs::path> relative = inside(archive_entry_pathname(entry));
    if (!relative)
      return Error{std::string("the archive holds the member '") + archive_entry_pathname(entry) +
                       "', which would land outside " + dir + "; refusing it",
                   {}};
    if (relative->empty()) continue;  // the root: `dir` itself
    if (const char* link = archive_entry_hardlink(entry)) {
      std::optional<fs::path> target = inside(link);
      if (!target || target->empty())
        return Error{std::string("the archive links to '") + link + "' outside " + dir, {}};
      archive_entry_set_hardlink(entry, (root / *target).c_str());
    }
    unsigned type = archive_entry_filetype(entry);
    if (type != AE_IFREG && type != AE_IFDIR && type != AE_IFLNK) continue;  // no devices
    archive_entry_set_pathname(entry, (root / *relative).c_str());
    archive_entry_set_perm(entry, archive_entry_perm(entry) & 0777);
    if (archive_write_header(out.get(), entry) < ARCHIVE_WARN)
      return archive_error(out.get(), "cannot write " + (root / *relative).string());
    if (type == AE_IFREG && archive_entry_size(entry) > 0) {
      const void* block = nullptr;
      size_t size = 0;
      la_int64_t offset = 0;
      for (;;) {
        int r = archive_read_data_block(in.get(), &block, &size, &offset);
        if (r == ARCHIVE_EOF) break;
        if (r < ARCHIVE_WARN) return archive_error(in.get(), "cannot read " + archive);
        if (archive_write_data_block(out.get(), block, size, offset) < ARCHIVE_WARN)
          return archive_error(out.get(), "cannot write " + (root / *relative).string());
      }
    }
    if (archive_write_finish_entry(out.get()) < ARCHIVE_WARN)
      return archive_error(out.get(), "cannot finish " + (root / *relative).string());
  }
  if (archive_write_close(out.get()) < ARCHIVE_WARN)
    return archive_error(out.get(), "cannot finish unpacking into " + dir);
  return Status::Ok();
}

Result<std::string> file_sha256(const std::string& file) {
  int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Error{"cannot open " + file + ": " + std::strerror(errno), {}};
  Sha256 hash;
  char buffer[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return Error{"cannot read " + file + ": " + std::strerror(err), {}};
    }
    if (n == 0) break;
    hash.update(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  return hash.finish_hex();
}

}  // namespace sluice::agent
