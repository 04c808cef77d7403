#include "exec/step_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <utility>

namespace sluice::exec {
namespace {

constexpr mode_t kFileMode = 0600;
constexpr mode_t kScriptMode = 0700;

std::string errno_text(const std::string& what, const std::string& path) {
  return what + " " + path + ": " + std::strerror(errno);
}

// Creates `path` (which must not exist) with `mode` and writes the parts to it.
Status write_new_file(const std::string& path, mode_t mode, std::string_view a = {},
                      std::string_view b = {}, std::string_view c = {}) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
  if (fd < 0) return Error{errno_text("cannot create", path), {}};
  Status status;
  for (std::string_view part : {a, b, c}) {
    while (!part.empty() && status.ok()) {
      ssize_t n = ::write(fd, part.data(), part.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        status = Error{errno_text("cannot write", path), {}};
        break;
      }
      part.remove_prefix(static_cast<size_t>(n));
    }
  }
  ::close(fd);
  return status;
}

}  // namespace

const char* variable_suffix(CommandFile file) {
  switch (file) {
    case CommandFile::kOutput:
      return "OUTPUT";
    case CommandFile::kEnv:
      return "ENV";
    case CommandFile::kPath:
      return "PATH";
    case CommandFile::kStepSummary:
      return "STEP_SUMMARY";
    case CommandFile::kState:
      return "STATE";
  }
  return "";
}

Status create_private_directory(const std::string& path) {
  // mkdir applies the umask, which can only narrow 0700; EEXIST means someone else's (or a
  // stale) directory, which must not be trusted with secrets.
  if (::mkdir(path.c_str(), 0700) != 0) return Error{errno_text("cannot create", path), {}};
  return Status::Ok();
}

Result<StepFiles> StepFiles::create(const std::string& root, int64_t id) {
  StepFiles files;
  std::string directory = root + "/step-" + std::to_string(id);
  if (Status s = create_private_directory(directory); !s.ok()) return s.error();
  files.directory_ = std::move(directory);
  for (CommandFile file : kCommandFiles) {
    std::string name = variable_suffix(file);
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string& path = files.paths_[static_cast<size_t>(file)];
    path = files.directory_ + "/" + name;
    if (Status s = write_new_file(path, kFileMode); !s.ok()) return s.error();
  }
  return files;
}

StepFiles::StepFiles(StepFiles&& other) noexcept
    : directory_(std::exchange(other.directory_, {})),
      paths_(std::move(other.paths_)),
      script_(std::move(other.script_)) {}

StepFiles& StepFiles::operator=(StepFiles&& other) noexcept {
  if (this != &other) {
    remove();
    directory_ = std::exchange(other.directory_, {});
    paths_ = std::move(other.paths_);
    script_ = std::move(other.script_);
  }
  return *this;
}

Result<std::string> StepFiles::write_script(std::string_view extension, std::string_view prefix,
                                            std::string_view body, std::string_view suffix) {
  std::string path = directory_ + "/step" + std::string(extension);
  if (Status s = write_new_file(path, kScriptMode, prefix, body, suffix); !s.ok()) return s.error();
  script_ = path;
  return path;
}

void StepFiles::remove() {
  if (directory_.empty()) return;
  // The common case costs one unlink per file and an rmdir; a step that left files of its
  // own in the directory makes the rmdir fail and the whole tree is removed.
  for (const std::string& path : paths_)
    if (!path.empty()) ::unlink(path.c_str());
  if (!script_.empty()) ::unlink(script_.c_str());
  if (::rmdir(directory_.c_str()) != 0 && errno != ENOENT) {
    std::error_code ignored;
    std::filesystem::remove_all(directory_, ignored);
  }
  directory_.clear();
}

}  // namespace sluice::exec
