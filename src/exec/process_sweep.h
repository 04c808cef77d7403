// Finding and killing the processes a job left behind, wherever they went.
//
// Every step runs in a session of its own (ChildProcess), and its environment carries
// SLUICE_TRACKING_ID=<executor token>.<job number> (as GitHub's runner sets
// RUNNER_TRACKING_ID). A background process keeps both unless it leaves on purpose: one
// that calls setsid() keeps the variable, one that clears its environment (env -i) keeps
// the session. A sweep reads /proc and SIGKILLs every process of this user that is in one
// of the given sessions or carries the given tracking id; only a process that does both
// (a new session and an emptied environment) escapes it. Linux only.
//
// Cost: a sweep visits every process on the machine, so it does per process only what is
// cheap: a stat() of /proc/PID (owner; the time the kernel made that inode), and getsid()
// only for a process that may be younger than the oldest step swept for (an older one can
// be neither in a step's session nor carry a tracking id). /proc/PID/stat (expensive to
// produce) is read only for a process in a target session (is it a zombie?) and for one
// that may be young enough to carry a tracking id; environ only for the latter. A pass that
// finds nothing but young processes whose environment it could not read looks again at
// those alone.
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
  // The same bound as a wall-clock prefilter (WallMark), read from the stat() a sweep does
  // anyway: the kernel makes /proc/PID's inode, stamping its ctime, only once PID exists, so
  // a process whose /proc/PID ctime is older than the mark started before it and is not
  // read for a tracking id at all. Disabled (everything is read) when the mark is unset or
  // the wall clock has been stepped since it was taken.
  struct WallMark {
    int64_t wall_ns = 0;    // CLOCK_REALTIME_COARSE when taken, minus kWallSlack
    int64_t offset_ns = 0;  // CLOCK_REALTIME - CLOCK_MONOTONIC when taken
  } started_since_wall;
};

// Slack of a WallMark: kernel inode times are coarse (a tick behind at most) and NTP slews
// the clock by less than this between a job's start and its sweep.
inline constexpr int64_t kWallSlackNs = 1'000'000'000;
// A WallMark for now.
SweepTarget::WallMark wall_mark_now();

// The start time of `pid` as /proc gives it (clock ticks since boot); 0 when unknown (it
// exited already).
uint64_t process_start_time(pid_t pid);

// SIGKILLs the processes `target` names, then looks again, until a pass finds none (a
// process that forks while being swept is caught by the next pass) or after `max_passes`.
// A young process whose environment reads empty (it may be inside execve()) is looked at
// again up to 3 times, 5 ms apart, before the sweep ends.
// Returns how many processes were signalled. Never signals the calling process.
int sweep_processes(const SweepTarget& target, int max_passes = 8);

}  // namespace sluice::exec
