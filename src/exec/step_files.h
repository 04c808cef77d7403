// StepFiles: the files one step attempt keeps on disk while it runs — its script and the
// five command files GITHUB_OUTPUT, GITHUB_ENV, GITHUB_PATH, GITHUB_STEP_SUMMARY and
// GITHUB_STATE (docs/runner-protocol.md).
//
// They hold secrets in the clear: a script has its `${{ secrets.X }}` substituted, and a
// step may write a secret to GITHUB_ENV or GITHUB_OUTPUT. So they are private to the user
// running sluice, and short-lived:
//   - each attempt gets its own directory `<root>/step-<id>`, made with mkdir(0700); it must
//     not exist yet, so a directory or link planted in a shared root such as /dev/shm is
//     refused rather than used;
//   - every file is created in it with O_CREAT|O_EXCL and its final mode (0600; the script
//     0700, as a custom shell such as `env {0}` executes it), never chmod-ed afterwards,
//     so neither the umask nor a race can make it readable by others;
//   - the destructor removes the files and the directory, so whatever way an attempt ends
//     in this process (success, failure, start failure, cancel, timeout, shutdown) nothing
//     is left behind. Only a crash of sluice itself can leave a directory behind.
//
// Not thread-safe; one owner at a time (the executor hands it from the starting thread to
// the I/O thread).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace sluice::exec {

// The command files, in the order GITHUB_<name> and SLUICE_<name> are set.
enum class CommandFile { kOutput, kEnv, kPath, kStepSummary, kState };
constexpr std::array<CommandFile, 5> kCommandFiles = {CommandFile::kOutput, CommandFile::kEnv,
                                                      CommandFile::kPath, CommandFile::kStepSummary,
                                                      CommandFile::kState};
// "OUTPUT", "ENV", "PATH", "STEP_SUMMARY", "STATE": the variable is GITHUB_<name>.
const char* variable_suffix(CommandFile file);

class StepFiles {
 public:
  // Makes `<root>/step-<id>` and the five empty command files in it. `root` must exist.
  static Result<StepFiles> create(const std::string& root, int64_t id);

  StepFiles(StepFiles&& other) noexcept;
  StepFiles& operator=(StepFiles&& other) noexcept;
  StepFiles(const StepFiles&) = delete;
  StepFiles& operator=(const StepFiles&) = delete;
  ~StepFiles() { remove(); }

  // Writes `prefix + body + suffix` as the step's script, named step<extension>; returns
  // its path. At most one script per attempt.
  Result<std::string> write_script(std::string_view extension, std::string_view prefix,
                                   std::string_view body, std::string_view suffix);

  const std::string& directory() const { return directory_; }
  const std::string& path(CommandFile file) const { return paths_[static_cast<size_t>(file)]; }

  // Deletes the files and the directory (also anything the step created in it). Safe to
  // call more than once.
  void remove();

 private:
  StepFiles() = default;

  std::string directory_;  // empty once removed (or moved from)
  std::array<std::string, kCommandFiles.size()> paths_;
  std::string script_;
};

// Creates `path` with mode 0700; an error when it exists already (whatever it is) or
// cannot be made. For the root under which a run's StepFiles are made.
Status create_private_directory(const std::string& path);

}  // namespace sluice::exec
