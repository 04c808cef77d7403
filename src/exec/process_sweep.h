// Finding and killing the processes a job left behind, wherever they went.
//
// Every step runs in a session of its own (ChildProcess), and its environment carries
// SLUICE_TRACKING_ID=<executor token>.<job number> (as GitHub's runner sets
// RUNNER_TRACKING_ID). A background process keeps both unless it leaves on purpose: one
// that calls setsid() keeps the variable, one that clears its environment (env -i) keeps
// the session. A sweep reads /proc and SIGKILLs every process of this user that is in one
// of the given sessions or carries the given tracking id; only a process that does both
// (a new session and an emptied environment) escapes it. Linux only.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <set>
#include <string>

namespace sluice::exec {

inline constexpr const char* kTrackingVariable = "SLUICE_TRACKING_ID";

struct SweepTarget {
  std::set<pid_t> sessions;            // session ids (= the pids of the steps' first processes)
  std::set<std::string> tracking_ids;  // values matched whole (one per job)
  // Any value that starts with it (an executor's token + "." matches every job it ran);
  // "" matches none.
  std::string tracking_prefix;
  // Only processes started at or after this time (/proc start time, clock ticks since boot)
  // are read for the tracking id: a job's leftovers are younger than its first step, and
  // reading every process's environment is what a sweep would otherwise spend its time on.
  uint64_t started_since = 0;
};

// The start time of `pid` as /proc gives it (clock ticks since boot); 0 when unknown (it
// exited already).
uint64_t process_start_time(pid_t pid);

// SIGKILLs the processes `target` names, then looks again, until a pass finds none (a
// process that forks while being swept is caught by the next pass) or after `max_passes`.
// Returns how many processes were signalled. Never signals the calling process.
int sweep_processes(const SweepTarget& target, int max_passes = 8);

}  // namespace sluice::exec
