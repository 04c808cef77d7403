// What giving each step attempt a private directory costs (issue 8 §3): StepFiles (mkdir
// 0700, five command files and the script created 0600/0700 with O_EXCL, all removed,
// rmdir) against the layout before it (the same six files with O_TRUNC 0644 in one shared
// directory, unlinked). On tmpfs (/dev/shm, where `sluice run` puts them) and on the disk
// of the data directory (the fallback when there is no /dev/shm).
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "exec/step_files.h"

namespace {

const char* kRoots[] = {"/dev/shm", "."};
const char* kNames[] = {"output", "env", "path", "step_summary", "state", "step.sh"};

std::string make_root(int index) {
  std::string root =
      std::string(kRoots[index]) + "/sluice-step-files-bench-" + std::to_string(::getpid());
  ::mkdir(root.c_str(), 0700);
  return root;
}

void BM_SharedDirectoryFiles(benchmark::State& state) {
  std::string root = make_root(static_cast<int>(state.range(0)));
  int64_t id = 0;
  for (auto _ : state) {
    std::string prefix = root + "/sluice_" + std::to_string(id++) + "_";
    for (const char* name : kNames) {
      int fd = ::open((prefix + name).c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
      ::close(fd);
    }
    for (const char* name : kNames) ::unlink((prefix + name).c_str());
  }
  std::filesystem::remove_all(root);
}

void BM_PrivateStepFiles(benchmark::State& state) {
  std::string root = make_root(static_cast<int>(state.range(0)));
  int64_t id = 0;
  for (auto _ : state) {
    auto files = sluice::exec::StepFiles::create(root, id++);
    if (!files.ok()) state.SkipWithError(files.error().message.c_str());
    (void)files->write_script(".sh", "", "", "");
    files->remove();
  }
  std::filesystem::remove_all(root);
}

// Argument: 0 = tmpfs (/dev/shm), 1 = the current directory's file system.
BENCHMARK(BM_SharedDirectoryFiles)->Arg(0)->Arg(1);
BENCHMARK(BM_PrivateStepFiles)->Arg(0)->Arg(1);

}  // namespace

BENCHMARK_MAIN();
