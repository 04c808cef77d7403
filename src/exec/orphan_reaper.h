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

// The reaper process's side: reads session lines from `input` until EOF, then sweeps what
// `token` started. Returns the process exit code.
int run_reaper(int input, const std::string& token);

}  // namespace sluice::exec
