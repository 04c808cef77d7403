// Run owners and crash recovery with real processes: a forked child owns runs and is
// killed, as `kill -9` would end a `sluice run`.
#include "store/run_recovery.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <fstream>

#include "engine/memory_store.h"
#include "store/run_owner.h"
#include "temp_dir.h"

namespace sluice::store::testing {
namespace {

namespace fs = std::filesystem;
using engine::RunRecord;
using engine::RunStatus;

// A child process that holds a RunOwnerLock on `data_dir` until it is killed.
class OwnerProcess {
 public:
  explicit OwnerProcess(const fs::path& data_dir) {
    int fds[2];
    if (pipe(fds) != 0) throw std::runtime_error("pipe");
    pid_ = fork();
    if (pid_ == 0) {
      close(fds[0]);
      auto lock = RunOwnerLock::acquire(data_dir);
      std::string token = lock ? (*lock)->token() : "";
      [[maybe_unused]] auto n = write(fds[1], token.data(), token.size());
      close(fds[1]);
      while (true) pause();
    }
    close(fds[1]);
    char buffer[64];
    ssize_t n = read(fds[0], buffer, sizeof buffer);
    close(fds[0]);
    token_.assign(buffer, n > 0 ? static_cast<size_t>(n) : 0);
  }
  ~OwnerProcess() { kill_now(); }
  void kill_now() {
    if (pid_ <= 0) return;
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  const std::string& token() const { return token_; }
  int pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  std::string token_;
};

int dead_pid() {
  pid_t pid = fork();
  if (pid == 0) _exit(0);
  waitpid(pid, nullptr, 0);
  return pid;
}

TEST(RunOwner, AnOwnerIsAliveWhileItRunsAndGoneOnceKilled) {
  TempDir dir;
  OwnerProcess owner(dir.path());
  ASSERT_FALSE(owner.token().empty());
  EXPECT_EQ(owner.token().substr(0, owner.token().find(':')), std::to_string(owner.pid()));
  EXPECT_TRUE(fs::exists(owner_lock_file(dir.path(), owner.token())));
  EXPECT_EQ(owner_state(dir.path(), owner.token()), OwnerState::kAlive);
  owner.kill_now();
  // The lock file is still there (nobody removed it), but nobody holds its lock.
  EXPECT_TRUE(fs::exists(owner_lock_file(dir.path(), owner.token())));
  EXPECT_EQ(owner_state(dir.path(), owner.token()), OwnerState::kGone);
  EXPECT_EQ(owner_state(dir.path(), ""), OwnerState::kUnknown);
}

TEST(RunOwner, ReleasingTheLockRemovesItsFile) {
  TempDir dir;
  std::string token;
  {
    auto lock = RunOwnerLock::acquire(dir.path());
    ASSERT_TRUE(lock.ok()) << lock.error().message;
    token = (*lock)->token();
    EXPECT_EQ(token, own_owner_token());
    EXPECT_EQ(owner_state(dir.path(), token), OwnerState::kAlive);  // ourselves
  }
  EXPECT_FALSE(fs::exists(owner_lock_file(dir.path(), token)));
  EXPECT_TRUE(fs::is_empty(dir.path() / "owners"));
}

TEST(RunRecovery, RunsOfADeadOwnerAreInterruptedOthersAreNot) {
  TempDir dir;
  engine::MemoryStore store;
  OwnerProcess killed(dir.path());
  OwnerProcess alive(dir.path());
  auto make_run = [&](const std::string& owner) {
    RunRecord run;
    run.workflow_file = "ci.yml";
    run.status = RunStatus::kRunning;
    run.owner = owner;
    EXPECT_TRUE(store.create_run(run).ok());
    return run.id;
  };
  int64_t orphan = make_run(killed.token());
  int64_t live = make_run(alive.token());
  int64_t legacy = make_run("");  // recorded before owners existed
  killed.kill_now();

  auto interrupted = interrupt_orphaned_runs(store, dir.path(), 42);
  ASSERT_TRUE(interrupted.ok()) << interrupted.error().message;
  EXPECT_EQ(*interrupted, std::vector<int64_t>{orphan});
  auto run = store.load_run(orphan);
  EXPECT_EQ(run->run.status, RunStatus::kInterrupted);
  EXPECT_EQ(run->run.finished_ms, 42);
  EXPECT_NE(run->run.reason.find("pid " + std::to_string(std::stoi(killed.token()))),
            std::string::npos)
      << run->run.reason;
  EXPECT_EQ(store.load_run(live)->run.status, RunStatus::kRunning);
  EXPECT_EQ(store.load_run(legacy)->run.status, RunStatus::kRunning);
  // A second pass finds nothing more to do.
  EXPECT_TRUE(interrupt_orphaned_runs(store, dir.path(), 43)->empty());
}

TEST(RunRecovery, LeftoversOfDeadProcessesAreRemovedThoseOfLiveOnesKept) {
  TempDir dir;
  TempDir shm;
  int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  std::string dead = std::to_string(dead_pid());
  std::string self = std::to_string(getpid());
  std::vector<fs::path> removed = {
      dir.path() / "tmp" / ("run-" + dead + "-" + std::to_string(now)),
      shm.path() / ("sluice-" + dead + "-" + std::to_string(now)),
      // Our pid, but made long before we started: its maker had our pid before us.
      shm.path() / ("sluice-" + self + "-1000"),
  };
  std::vector<fs::path> kept = {
      dir.path() / "tmp" / ("run-" + self + "-" + std::to_string(now)),
      shm.path() / ("sluice-" + self + "-" + std::to_string(now)),
      shm.path() / "sluice-store-abc",  // not ours to judge
      shm.path() / "unrelated",
  };
  for (const auto& path : removed) fs::create_directories(path / "step-1");
  for (const auto& path : kept) fs::create_directories(path);
  std::ofstream(removed[1] / "step-1" / "env") << "SECRET=x\n";
  OwnerProcess killed(dir.path());
  OwnerProcess alive(dir.path());
  killed.kill_now();

  EXPECT_EQ(remove_leftovers(dir.path(), shm.path()), 4);
  for (const auto& path : removed) EXPECT_FALSE(fs::exists(path)) << path;
  for (const auto& path : kept) EXPECT_TRUE(fs::exists(path)) << path;
  EXPECT_FALSE(fs::exists(owner_lock_file(dir.path(), killed.token())));
  EXPECT_TRUE(fs::exists(owner_lock_file(dir.path(), alive.token())));
}

}  // namespace
}  // namespace sluice::store::testing
