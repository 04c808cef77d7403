// The fast paths of the process sweep and the orphan reaper, with real processes: each one
// skips work, and each test checks that what it skips is only what cannot be a leftover.
#include "exec/process_sweep.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <fstream>
#include <string>
#include <thread>

#include "exec/orphan_reaper.h"

namespace sluice::exec {
namespace {

using namespace std::chrono_literals;

// A `sleep 300` in a session of its own (as a daemon that called setsid()) whose environment
// carries SLUICE_TRACKING_ID=`id`. Waited for until it runs sleep, so its environment is
// final; reaped by its parent, this test, with reap().
pid_t start_daemon(const std::string& id) {
  pid_t pid = ::fork();
  if (pid == 0) {
    ::setsid();
    std::string variable = std::string(kTrackingVariable) + "=" + id;
    char* env[] = {variable.data(), nullptr};
    ::execle("/bin/sleep", "sleep", "300", static_cast<char*>(nullptr), env);
    ::_exit(127);
  }
  for (int i = 0; i < 500; ++i) {  // until exec has replaced the forked copy
    std::ifstream comm("/proc/" + std::to_string(pid) + "/comm");
    std::string name;
    if (comm >> name && name == "sleep") break;
    std::this_thread::sleep_for(10ms);
  }
  return pid;
}

// True when `pid` died of SIGKILL within `timeout`; reaps it.
bool killed(pid_t pid, std::chrono::milliseconds timeout = 5s) {
  auto until = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(10ms);
  }
  return WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
}

void reap(pid_t pid) {
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
}

std::string unique_token() {
  return "test-" + std::to_string(::getpid()) + "-" +
         std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
}

TEST(ProcessSweep, KillsADaemonByItsTrackingIdWithTheWallClockPrefilter) {
  std::string id = unique_token() + ".1";
  SweepTarget target;
  target.tracking_ids = {id};
  target.started_since_wall = wall_mark_now();  // taken before the daemon starts, as by a job
  pid_t daemon = start_daemon(id);
  EXPECT_EQ(sweep_processes(target), 1);
  EXPECT_TRUE(killed(daemon));
}

// A target for tracking id `id` whose wall-clock mark is 10 s ahead: every process is older.
SweepTarget target_with_mark_ahead(const std::string& id) {
  SweepTarget target;
  target.tracking_ids = {id};
  target.started_since_wall = wall_mark_now();
  target.started_since_wall.wall_ns += 10 * kWallSlackNs;
  return target;
}

TEST(ProcessSweep, TheWallClockPrefilterSkipsProcessesOlderThanTheMark) {
  std::string id = unique_token() + ".1";
  pid_t daemon = start_daemon(id);
  SweepTarget target = target_with_mark_ahead(id);
  EXPECT_EQ(sweep_processes(target), 0);
  EXPECT_FALSE(killed(daemon, 0ms));
  reap(daemon);
}

TEST(ProcessSweep, AClockStepTurnsTheWallClockPrefilterOff) {
  std::string id = unique_token() + ".1";
  pid_t daemon = start_daemon(id);
  // A mark that would skip the daemon, taken (as far as the sweep can tell) before the wall
  // clock was stepped by 10 s: it must not be trusted.
  SweepTarget target = target_with_mark_ahead(id);
  target.started_since_wall.offset_ns += 10 * kWallSlackNs;
  EXPECT_EQ(sweep_processes(target), 1);
  EXPECT_TRUE(killed(daemon));
}

// An empty environment reads like one caught inside execve(): the sweep looks again a few
// times (an exec ends within milliseconds), then spares it.
TEST(ProcessSweep, AYoungProcessWithAnEmptyEnvironmentIsLookedAtAgainThenSpared) {
  SweepTarget target;
  target.tracking_ids = {unique_token() + ".1"};
  target.started_since_wall = wall_mark_now();
  pid_t bare = ::fork();
  if (bare == 0) {
    ::setsid();
    char* env[] = {nullptr};
    ::execle("/bin/sleep", "sleep", "300", static_cast<char*>(nullptr), env);
    ::_exit(127);
  }
  for (int i = 0; i < 500; ++i) {
    std::ifstream comm("/proc/" + std::to_string(bare) + "/comm");
    std::string name;
    if (comm >> name && name == "sleep") break;
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(sweep_processes(target), 0);
  EXPECT_FALSE(killed(bare, 0ms));
  reap(bare);
}

TEST(ProcessSweep, FindsAProcessByItsSessionWithoutATrackingId) {
  pid_t daemon = start_daemon("unrelated");
  SweepTarget target;
  target.sessions = {daemon};  // its own session: setsid() made it the leader
  EXPECT_EQ(sweep_processes(target), 1);
  EXPECT_TRUE(killed(daemon));
}

// The reaper sweeps at EOF unless sluice said "." (it cleaned up everything itself).
TEST(OrphanReaper, SweepsWhenClosedWithoutAllClean) {
  std::string token = unique_token();
  auto reaper = OrphanReaper::start(token);
  ASSERT_TRUE(reaper.ok());
  pid_t daemon = start_daemon(token + ".1");
  { OrphanReaper closing = std::move(*reaper); }  // as sluice dying: the socket closes
  EXPECT_TRUE(killed(daemon));
}

TEST(OrphanReaper, AllCleanSkipsTheSweepUnlessMoreStepsStartedAfter) {
  std::string token = unique_token();
  auto reaper = OrphanReaper::start(token);
  ASSERT_TRUE(reaper.ok());
  pid_t reaper_pid = reaper->pid();
  pid_t daemon = start_daemon(token + ".1");
  reaper->all_clean();
  { OrphanReaper closing = std::move(*reaper); }
  pid_t waited = ::waitpid(reaper_pid, nullptr, 0);      // it exited (or was reaped
  ASSERT_TRUE(waited == reaper_pid || errno == ECHILD);  // by the destructor)...
  EXPECT_FALSE(killed(daemon, 0ms));                     // ...without sweeping
  reap(daemon);

  reaper = OrphanReaper::start(token);
  ASSERT_TRUE(reaper.ok());
  reaper->all_clean();
  pid_t late = start_daemon(token + ".2");
  reaper->add_session(late);  // a step after the "."
  { OrphanReaper closing = std::move(*reaper); }
  EXPECT_TRUE(killed(late));
}

// True when `pid` (not a child of this process) is gone or a zombie within `timeout`.
bool gone(pid_t pid, std::chrono::milliseconds timeout = 5s) {
  auto until = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(stat, line)) return true;
    size_t paren = line.rfind(')');
    if (paren != std::string::npos && paren + 2 < line.size() && line[paren + 2] == 'Z')
      return true;
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(10ms);
  }
}

// The controller's case: one reaper for the executors of many runs. A process holding one
// dies without a word (a forked child _exits): the steps of both executors it served go.
TEST(SharedOrphanReaper, SweepsTheStepsOfEveryExecutorWhenItsProcessDies) {
  int pids[2];
  ASSERT_EQ(::pipe(pids), 0);
  pid_t holder = ::fork();
  if (holder == 0) {
    auto shared = SharedOrphanReaper::start();
    if (!shared) ::_exit(1);
    std::string first = (*shared)->executor_token();
    std::string second = (*shared)->executor_token();
    if (first == second) ::_exit(2);
    pid_t daemons[2] = {start_daemon(first + ".1"), start_daemon(second + ".4")};
    if (::write(pids[1], daemons, sizeof daemons) != sizeof daemons) ::_exit(3);
    ::_exit(0);  // no destructor: as a SIGKILLed controller
  }
  ::close(pids[1]);
  pid_t daemons[2] = {0, 0};
  ASSERT_EQ(::read(pids[0], daemons, sizeof daemons), static_cast<ssize_t>(sizeof daemons));
  ::close(pids[0]);
  int status = 0;
  ::waitpid(holder, &status, 0);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_TRUE(gone(daemons[0]));
  EXPECT_TRUE(gone(daemons[1]));
  for (pid_t daemon : daemons) ::kill(daemon, SIGKILL);  // in case
}

// Its last holder gone (every executor cleaned up and forgot its sessions), it says "." and
// exits without a sweep.
TEST(SharedOrphanReaper, ExitsWithoutASweepOnceItsLastHolderIsGone) {
  auto shared = SharedOrphanReaper::start();
  ASSERT_TRUE(shared.ok());
  pid_t reaper_pid = (*shared)->pid();
  std::string token = (*shared)->executor_token();
  pid_t daemon = start_daemon(token + ".1");
  (*shared)->add_session(daemon);
  (*shared)->remove_session(daemon);
  shared->reset();
  pid_t waited = ::waitpid(reaper_pid, nullptr, 0);
  ASSERT_TRUE(waited == reaper_pid || errno == ECHILD);
  EXPECT_FALSE(killed(daemon, 0ms));
  reap(daemon);
}

}  // namespace
}  // namespace sluice::exec
