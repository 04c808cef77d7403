// The second Ctrl-C while the engine thread is stuck: the watcher thread alone kills the
// steps, records the run as cancelled and exits 130. Run in a child process (death test):
// signals, _exit and the process-wide handlers must not touch the test runner. The default
// "fast" style forks the test process, which has no other thread at that point.
#include "cli/interrupts.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>

#include "../engine/engine_harness.h"
#include "../store/temp_dir.h"
#include "store/sqlite/sqlite_store.h"

namespace sluice::cli {
namespace {

using namespace std::chrono_literals;

// Starts a one-step run whose event loop is never run again (the "stuck" engine thread),
// then sends SIGINT twice. Never returns.
[[noreturn]] void interrupt_a_stuck_run(const std::filesystem::path& data_dir,
                                        engine::testing::FakeExecutor& executor) {
  auto store = store::SqliteStore::open(data_dir);
  if (!store.ok()) _exit(3);
  Diagnostics diagnostics;
  auto workflow = spec::load_workflow_text(
      "on: push\njobs:\n  a: {runs-on: x, steps: [{run: long}]}\n", "test.yml", diagnostics);
  auto plan = plan::build_run_plan(*workflow, "/tmp", diagnostics);
  engine::SystemClock clock;
  engine::EventLoop loop(clock);
  engine::RunContext context{executor, **store, clock, loop};
  context.options.workspace = "/tmp";
  context.options.temp_dir = ::testing::TempDir();
  engine::Engine engine(*plan, context);
  engine::RunRecord run;
  run.workflow_file = "test.yml";
  run.workflow_name = "test";
  if (!engine.start(run).ok()) _exit(4);
  install_interrupt_handlers();
  InterruptWatcher watcher(loop, engine, executor, **store, engine.run(), 100ms);
  ::raise(SIGINT);
  ::raise(SIGINT);
  for (;;) ::pause();  // the engine thread never comes back
}

TEST(InterruptWatcherDeathTest, SecondSignalRecordsTheRunCancelledWhenTheEngineIsStuck) {
  store::testing::TempDir dir;
  engine::testing::FakeExecutor executor;
  EXPECT_EXIT(interrupt_a_stuck_run(dir.path(), executor), ::testing::ExitedWithCode(130),
              "recorded as cancelled");
  auto store = store::SqliteStore::open(dir.path());
  ASSERT_TRUE(store.ok());
  auto runs = (*store)->list_runs(10);
  ASSERT_TRUE(runs.ok());
  ASSERT_EQ(runs->size(), 1u);
  EXPECT_EQ((*runs)[0].status, engine::RunStatus::kCancelled);
  EXPECT_GT((*runs)[0].finished_ms, 0);
}

}  // namespace
}  // namespace sluice::cli
