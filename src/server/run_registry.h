// RunRegistry: the controller's runs in progress — their threads, how to cancel each, and
// the workflow-level concurrency groups between them.
//
// Each run runs on a thread of its own (runner::run_workflow drives one Engine on one
// EventLoop). Why a thread per active run rather than one loop for all: the runner and
// the Engine already own their loop (the same code as `sluice run`), runs never wait on
// each other's disk or git work, and the cost (one mostly sleeping thread per active run,
// plus the run's runtime-services thread) is small next to the processes its steps start.
//
// Threading: every method is thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "runner/workflow_runner.h"

namespace sluice::server {

class RunRegistry {
 public:
  RunRegistry() = default;
  ~RunRegistry();  // shutdown(0)

  // Runs `body` on a new thread. False (nothing runs) once shutdown() began.
  bool spawn(std::function<void()> body);
  // Registers an active run (called on its thread by runner's attach hook); the run is
  // unregistered when the returned attachment is destroyed.
  std::unique_ptr<runner::RunAttachment> attach(runner::ActiveRun& run);
  // Cancels a registered run (Engine::cancel on its loop). False when it is not active.
  bool cancel(int64_t run_id);
  int active_count() const;
  std::vector<int64_t> active_ids() const;
  bool stopping() const;

  // Workflow `concurrency:` between the controller's runs, with GitHub's rules: one run of
  // a group in progress; `queue: single` keeps one waiting (a newer one cancels it),
  // `queue: max` keeps them all in order; `cancel-in-progress` cancels the holder. Blocks
  // the run's thread until the group is its own (true) or its wait is cancelled (false).
  bool acquire_group(const std::string& group, bool cancel_in_progress, bool queue_all);
  void release_group(const std::string& group);

  // No new runs; waits up to `grace` for the active runs to finish, then cancels them
  // and waits for every run thread to end.
  void shutdown(std::chrono::milliseconds grace);

 private:
  class Attachment;
  void reap_locked();

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  bool stopping_ = false;
  bool cancel_all_ = false;  // shutdown's grace is over: cancel runs as they attach
  uint64_t next_thread_ = 0;
  std::map<uint64_t, std::thread> threads_;
  std::vector<uint64_t> finished_threads_;                     // to join
  std::map<int64_t, runner::ActiveRun*> active_;               // valid while registered
  std::map<std::string, std::thread::id> group_holder_;        // the holder's run thread
  std::map<std::string, std::deque<uint64_t>> group_waiting_;  // tickets, first come first
  std::map<uint64_t, bool> cancelled_tickets_;
  std::map<std::thread::id, int64_t> thread_run_;  // each run thread's run id, once known
  uint64_t next_ticket_ = 1;
};

}  // namespace sluice::server
