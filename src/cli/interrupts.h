// Ctrl-C and SIGTERM during `sluice run`, handled as a CI user expects:
//   1st  cancels the run as GitHub does (Engine::cancel, on the engine's loop);
//   2nd  stops now: every step process is SIGKILLed at once (Executor::kill_all, from the
//        watcher thread, so it works even while the engine thread is busy), nothing new
//        starts, and the run ends through its normal path: recorded as cancelled, exit 130.
//        Should the engine thread not finish within kForcedStopGrace, the watcher records
//        the run as cancelled itself and exits 130;
//   3rd  exits 130 from the signal handler (async-signal-safe, nothing else); the
//        OrphanReaper kills what is left of the steps.
// The signal handler only counts and writes a byte to a pipe; everything else happens on
// the watcher thread.
#pragma once

#include <atomic>
#include <chrono>
#include <thread>

#include "engine/engine.h"
#include "engine/event_loop.h"
#include "engine/executor.h"
#include "engine/store.h"

namespace sluice::cli {

// Installs the SIGINT/SIGTERM handlers (once per process).
void install_interrupt_handlers();
// Signals received so far (also read while waiting for a workflow concurrency group).
std::atomic<int>& interrupt_count();

// Watches for interrupts while one run is in progress; stops watching when destroyed.
class InterruptWatcher {
 public:
  static constexpr std::chrono::seconds kForcedStopGrace{5};

  // `run` is the run as started (Engine::run() right after start()): what the watcher
  // records, cancelled, if the engine thread does not finish within `forced_stop_grace`
  // after the second signal.
  InterruptWatcher(engine::EventLoop& loop, engine::Engine& engine, engine::Executor& executor,
                   engine::Store& store, engine::RunRecord run,
                   std::chrono::milliseconds forced_stop_grace = kForcedStopGrace);
  ~InterruptWatcher();
  InterruptWatcher(const InterruptWatcher&) = delete;
  InterruptWatcher& operator=(const InterruptWatcher&) = delete;

 private:
  void watch();
  void stop_now();

  engine::EventLoop& loop_;
  engine::Engine& engine_;
  engine::Executor& executor_;
  engine::Store& store_;
  engine::RunRecord run_;
  std::chrono::milliseconds forced_stop_grace_;
  std::thread thread_;
};

}  // namespace sluice::cli
