// Run owners: which process runs a run, and whether that process is still alive.
//
// A `sluice run` holds a POSIX record lock (fcntl F_SETLK, write lock on the whole file) on
// <data dir>/owners/<pid>-<start>.lock for as long as it runs, and records the owner token
// "<pid>:<start>" (pid and process start time in clock ticks after boot, from
// /proc/PID/stat) in each run it creates. The kernel drops the lock when the process ends,
// however it ends (SIGKILL, OOM killer), so any later sluice process that finds the file
// unlocked, or missing, knows the owner is gone and the run will never finish: it marks
// the run interrupted (store/run_recovery.h). A reused pid cannot fake a live owner: the
// lock belongs to an open file description of the dead process, not to the pid.
//
// Invariants that make "unlocked" mean "dead":
// - the lock is taken before the first run names the token and released (file removed)
//   only after the last run's final state is committed;
// - the file appears under its final name already locked (it is created and locked under
//   a temporary name, then renamed), so a sweeper never sees a live owner's file unlocked;
// - record locks are not inherited by child processes, so step processes that outlive a
//   killed sluice do not keep its runs "alive".
// fcntl locks work on local file systems; a data dir on NFS needs a working lockd.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "core/result.h"

namespace sluice::store {

// This process's token, "<pid>:<start ticks>".
std::string own_owner_token();

// A process's start time in clock ticks after boot (field 22 of /proc/PID/stat);
// nullopt when no such process exists.
std::optional<unsigned long long> process_start_ticks(int pid);

// Held by the process that runs runs; released (and its file removed) by the destructor.
class RunOwnerLock {
 public:
  static Result<std::unique_ptr<RunOwnerLock>> acquire(const std::filesystem::path& data_dir);
  ~RunOwnerLock();
  RunOwnerLock(const RunOwnerLock&) = delete;
  RunOwnerLock& operator=(const RunOwnerLock&) = delete;

  const std::string& token() const { return token_; }

 private:
  RunOwnerLock(std::filesystem::path path, int fd, std::string token)
      : path_(std::move(path)), fd_(fd), token_(std::move(token)) {}
  std::filesystem::path path_;
  int fd_;
  std::string token_;
};

enum class OwnerState {
  kAlive,    // its lock is held (or the owner is this very process)
  kGone,     // no lock: the process ended without finishing the run
  kUnknown,  // no owner recorded (runs from before schema version 5)
};

OwnerState owner_state(const std::filesystem::path& data_dir, const std::string& owner);

// The lock file of `owner` (a token) in `data_dir`.
std::filesystem::path owner_lock_file(const std::filesystem::path& data_dir,
                                      const std::string& owner);

}  // namespace sluice::store
