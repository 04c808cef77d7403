// OrphanReaper: what kills a job's leftover processes when sluice itself is killed.
//
// A SIGKILLed sluice runs no code, so cleanup must live elsewhere: a small process
// (`sluice __reap TOKEN`) in a session of its own, started with sluice and connected to it
// by a socket. sluice tells it the session of every step it starts ("+PID") and forgets
// them when their job has been cleaned up ("-PID"). When the socket reaches EOF — sluice
// exited, normally or not — the reaper sweeps (process_sweep.h): it SIGKILLs every
// process in a session still listed or carrying TOKEN's tracking ids, then exits. A
// reaper that is itself killed protects nothing; it is the one process that must survive.
#pragma once

#include <sys/types.h>

#include <string>

#include "core/result.h"

namespace sluice::exec {

class OrphanReaper {
 public:
  OrphanReaper() = default;  // no reaper: every call is a no-op
  // Starts `binary __reap token`. The socket's end kept here is close-on-exec, so no step
  // inherits it (a step holding it open would keep the reaper from ever seeing EOF).
  static Result<OrphanReaper> start(const std::string& binary, const std::string& token);
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
  pid_t pid() const { return pid_; }

 private:
  void send(char op, pid_t session);
  int socket_ = -1;
  pid_t pid_ = -1;
};

// The reaper process's side: reads session lines from `input` until EOF, then sweeps what
// `token` started. Returns the process exit code.
int run_reaper(int input, const std::string& token);

}  // namespace sluice::exec
