// OrphanReaper: what kills a job's leftover processes when sluice itself is killed.
//
// A SIGKILLed sluice runs no code, so cleanup must live elsewhere: a small process (sluice
// forked, no exec) in a session of its own, connected to sluice by a socket. sluice tells it
// the session of every step it starts ("+PID"), forgets them when their job has been cleaned
// up ("-PID"), and says "." once it has cleaned up everything itself. When the socket
// reaches EOF after anything but "." — sluice died, or exited without cleaning up — the
// reaper sweeps (process_sweep.h): it SIGKILLs every process in a session still listed or
// carrying TOKEN's tracking ids, then exits. A
// reaper that is itself killed protects nothing; it is the one process that must survive.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "core/result.h"

namespace sluice::exec {

class OrphanReaper {
 public:
  OrphanReaper() = default;  // no reaper: every call is a no-op
  // Forks the reaper. The socket's end kept here is close-on-exec, so no step inherits it (a
  // step holding it open would keep the reaper from ever seeing EOF).
  static Result<OrphanReaper> start(const std::string& token);
  // Closes the socket: the reaper sweeps and exits. It is reaped if it is done already;
  // otherwise init reaps it once this process exits.
  ~OrphanReaper();
  OrphanReaper(OrphanReaper&& other) noexcept;
  OrphanReaper& operator=(OrphanReaper&& other) noexcept;
  OrphanReaper(const OrphanReaper&) = delete;
  OrphanReaper& operator=(const OrphanReaper&) = delete;

  // Not thread-safe: the caller serialises them.
  void add_session(pid_t session);
  void remove_session(pid_t session);
  // Every process of every job is dead: the reaper exits at EOF without sweeping, unless
  // more sessions are added after it.
  void all_clean();
  pid_t pid() const { return pid_; }

 private:
  void send(char op, pid_t session);
  int socket_ = -1;
  pid_t pid_ = -1;
};

// One reaper shared by the executors of a process (every JobProcesses holds one).
//
// `sluice run` has one executor, so one reaper per executor was one per process. The
// controller runs many workflows at once, each with its own executor: a reaper forked per
// run made every later write of the controller to its heap a copy-on-write fault with a TLB
// shoot-down (a quarter of its CPU in the one-step-run bench). Forked once while the
// controller is small, one reaper serves every run: an executor's token is the reaper's
// token + "." + a number, so its steps' tracking ids (<executor token>.<job number>) start
// with the reaper's token + "." and the reaper's sweep at EOF catches them.
//
// Each executor adds its steps' sessions and removes every one of them once it has swept
// them (also when it is destroyed: a long-lived reaper must not keep session ids the kernel
// may give to someone else's processes later). Destroyed with its last holder, once every
// executor cleaned up what it started: then it says "." and exits without a sweep.
//
// Threading: every method is thread-safe.
class SharedOrphanReaper {
 public:
  // Forks the reaper (OrphanReaper::start) under a token unique to this object.
  static Result<std::shared_ptr<SharedOrphanReaper>> start();
  ~SharedOrphanReaper();  // all_clean(), then the socket closes
  SharedOrphanReaper(const SharedOrphanReaper&) = delete;
  SharedOrphanReaper& operator=(const SharedOrphanReaper&) = delete;

  // A token for one more executor: "<this reaper's token>.<n>".
  std::string executor_token();
  void add_session(pid_t session);
  void remove_session(pid_t session);
  pid_t pid() const { return reaper_.pid(); }

 private:
  SharedOrphanReaper(OrphanReaper reaper, std::string token);
  std::mutex mutex_;  // serialises the socket's writers
  OrphanReaper reaper_;
  const std::string token_;
  uint64_t next_executor_ = 1;  // under mutex_
};

// A token no other process (nor another call in this one) returns: "<pid>-<wall clock ns>-<n>".
std::string unique_process_token();

// The reaper process's side: reads session lines from `input` until EOF, then sweeps what
// `token` started. Returns the process exit code.
int run_reaper(int input, const std::string& token);

}  // namespace sluice::exec
