// Crash recovery: what a sluice command does about runs whose process died.
//
// A run is recorded `running` until its process records the final state. When that
// process is killed (SIGKILL, OOM, power cut) nothing else would ever change the run, so
// every sluice command that reads or writes the history (`run`, `rerun`, `runs`, `show`,
// `logs`) first looks at the unfinished runs: those whose owner (store/run_owner.h) is gone
// are marked `interrupted` — the run, and its jobs, steps and attempts not yet finished —
// with a reason naming the process. Runs recorded before owners existed (schema < 5) are
// left alone: nothing tells whether their process still runs.
//
// Leftovers of dead sluice processes are removed at the same time: the run's temp dir
// (<data dir>/tmp/run-<pid>-<ms>), the step files on tmpfs (/dev/shm/sluice-<pid>-<ms>,
// which may hold secrets), and stale owner lock files. A leftover belongs to a dead
// process when no process has that pid, or the process that has it started after the
// leftover was created (the pid was reused).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/result.h"
#include "engine/store.h"

namespace sluice::store {

// Marks `run` interrupted when it is unfinished and its owner is gone. Returns whether it
// did; the caller reloads the run to see the change.
Result<bool> interrupt_if_owner_gone(engine::Store& store, const std::filesystem::path& data_dir,
                                     const engine::RunRecord& run, int64_t now_ms);

// Every unfinished run in `store` whose owner is gone; returns their ids.
Result<std::vector<int64_t>> interrupt_orphaned_runs(engine::Store& store,
                                                     const std::filesystem::path& data_dir,
                                                     int64_t now_ms);

// Removes the leftovers of dead sluice processes in `data_dir` and `step_files_root`
// (default /dev/shm); returns how many entries it removed.
int remove_leftovers(const std::filesystem::path& data_dir,
                     const std::filesystem::path& step_files_root = "/dev/shm");

// True when a process `pid` runs and started early enough to have made something at
// `created_ms` (epoch milliseconds): then it may be that thing's maker.
bool process_alive_since(int pid, int64_t created_ms);

}  // namespace sluice::store
