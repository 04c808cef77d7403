// LocalProcessExecutor: runs step attempts as processes on this machine.
//
// Each execution is one process group (posix_spawn + setpgid) with stdin from /dev/null and
// stdout+stderr merged into one pipe. One I/O thread serves every running execution with
// epoll: it reads output in large chunks, cuts it into lines (lines longer than
// Options::max_line_bytes are split), feeds them to the execution's
// WorkflowCommandProcessor (masking, annotations, ...) and on to its LogWriter, and sees
// exits through pidfds. There are no sleeps and no polling intervals: epoll_wait() blocks
// until output, an exit, a cancel request (eventfd) or a SIGKILL deadline. start()
// registers the new process's fds with epoll itself, so starting a step costs the I/O
// thread no extra wake-up.
//
// Lifecycle of an execution:
//   start()  checks the working directory, writes the script and the five command files
//            into a private directory under request.step_files_dir (exec/step_files.h),
//            spawns the process (on the caller's thread; a failure removes the files and
//            calls on_done with started = false before start() returns) and hands it to
//            the I/O thread.
//   exit     once the main process has exited, the pipe is drained of what is already in
//            it, the command files are parsed and removed, and on_done is called on the
//            I/O thread.
//            Processes the step left running in the background keep running until their
//            job ends (as on GitHub); their later output is read and discarded so they
//            never block or get SIGPIPE.
//   cancel() SIGTERM to the process group; SIGKILL to the group after the grace period if
//            the main process is still alive, and right away once it has exited (nothing
//            of a cancelled step outlives it).
//   end_job() SIGKILLs whatever the job's steps left behind (JobProcesses says exactly what
//            is found); kill_all() does it for every job at once and refuses new steps.
//
// The executor never closes the LogWriter (the engine may append its own lines after).
// Destruction kills every process group still running or lingering, reports the running
// executions as cancelled, joins the I/O thread, then kills what any job left behind;
// on_done must not destroy the executor.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "engine/executor.h"
#include "exec/job_processes.h"

namespace sluice::exec {

class LocalProcessExecutor final : public engine::Executor {
 public:
  struct Options {
    // GitHub's runner waits 7.5 s between SIGINT/SIGTERM and the hard kill on cancel.
    std::chrono::milliseconds kill_grace{7500};
    size_t max_line_bytes = 64 * 1024;
    // Fork an OrphanReaper so that a SIGKILLed sluice leaves no step process behind (off in
    // unit tests)...
    bool orphan_reaper = false;
    // ...unless this one is given: it serves this executor too (the controller's runs share
    // the one it forked at its start; orphan_reaper.h says why).
    std::shared_ptr<SharedOrphanReaper> shared_reaper;
  };

  LocalProcessExecutor();
  explicit LocalProcessExecutor(Options options);
  ~LocalProcessExecutor() override;

  LocalProcessExecutor(const LocalProcessExecutor&) = delete;
  LocalProcessExecutor& operator=(const LocalProcessExecutor&) = delete;

  engine::ExecutionId start(engine::StepRequest request,
                            std::function<void(engine::StepOutcome)> on_done) override;
  void cancel(engine::ExecutionId id) override;
  void end_job(const std::string& job_scope) override;
  void kill_all() override;

  const JobProcesses& processes() const { return *processes_; }

  struct Execution;  // internal; public only so the .cpp's helpers can name it

 private:
  struct IoState;
  void wake();
  bool watch(int fd, uint64_t data);
  void forget_fd(int fd);
  // The I/O thread: run_io_loop, and one function per thing an iteration does.
  void run_io_loop();
  void adopt(IoState& io);
  Execution* find(IoState& io, engine::ExecutionId id);
  void apply_cancels(IoState& io);
  void shut_down(IoState& io);
  int wait_timeout_ms(const IoState& io) const;
  void handle_output(IoState& io, uint64_t data);
  void handle_exit(IoState& io, uint64_t data);
  void kill_overdue(IoState& io);
  void finish(IoState& io, Execution& e);

  Options options_;
  int wake_fd_ = -1;   // eventfd: cancels, shutdown
  int epoll_fd_ = -1;  // start() registers a new execution's fds here directly

  std::unique_ptr<JobProcesses> processes_;  // outlives the I/O thread

  std::mutex mutex_;  // guards the four fields below (the hand-over to the I/O thread)
  std::vector<std::unique_ptr<Execution>> pending_;
  std::vector<engine::ExecutionId> pending_cancels_;
  bool stopping_ = false;
  bool kill_all_requested_ = false;

  std::thread io_thread_;
};

}  // namespace sluice::exec
