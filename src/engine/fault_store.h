// FaultStore: a Store decorator that makes chosen calls fail, the way leveldb's
// fault-injection Env makes file operations fail. It tests what the engine (and anything
// else that records runs) does when the store cannot record: a full disk, an I/O error.
// It wraps any Store (MemoryStore in engine tests, SqliteStore in store tests).
//
// A rule per operation fails its Nth call (counting from 1), or every call from the Nth
// on. A failed call does not reach the wrapped store: what it would have written is lost,
// as it would be on a full disk. Log writers returned by open_log are wrapped too: after
// fill_logs_after(n), lines beyond the first n (over all logs) are lost and the writer's
// error() says so, as FileLogWriter does when its disk fills.
//
// Thread-safety: as the wrapped store; the rules and counters have their own mutex.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "engine/forwarding_store.h"

namespace sluice::engine {

enum class StoreOp {
  kCreateRun,
  kSaveRun,
  kSaveJob,
  kSaveStep,
  kSaveAttempt,
  kAddAnnotation,
  kOpenLog,
  kFlush,
};
const char* to_string(StoreOp op);

class FaultStore : public ForwardingStore {
 public:
  explicit FaultStore(Store& inner);
  ~FaultStore() override;

  // The `nth` call of `op` from now on fails (1: the next one); with `and_after`, every
  // later call of `op` fails too.
  void fail(StoreOp op, int nth = 1, bool and_after = false);
  // Every write from now on fails: each save, open_log, flush and log line (a full disk).
  void fail_all_writes();
  // Log lines beyond the next `lines` (counted over all open logs) are lost.
  void fill_logs_after(int64_t lines);

  // Calls of `op` so far, failed or not; calls that failed (log lines included).
  int calls(StoreOp op) const;
  int failures() const;

  Status create_run(RunRecord& run) override;
  Status save_run(const RunRecord& run) override;
  Status save_job(const JobRecord& job) override;
  Status save_step(const StepRecord& step) override;
  Status save_attempt(const AttemptRecord& attempt) override;
  Status add_annotation(const Annotation& annotation) override;
  Result<std::shared_ptr<LogWriter>> open_log(AttemptRecord& attempt) override;
  Status flush() override;

  // Queries and crash recovery pass through: crash recovery is not a write of the run
  // being recorded, so no fault is planned for it.

  struct LogBudget;  // shared with the log writers it hands out; defined in the .cpp

 private:
  static constexpr size_t kOps = static_cast<size_t>(StoreOp::kFlush) + 1;
  struct Rule {
    int calls = 0;
    int fail_at = 0;  // 0: no fault planned
    bool and_after = false;
  };
  // Counts a call of `op`; an error when it is to fail.
  Status check(StoreOp op);

  mutable std::mutex mutex_;
  std::array<Rule, kOps> rules_{};
  int failures_ = 0;
  std::shared_ptr<LogBudget> log_budget_;
};

}  // namespace sluice::engine
