#include "engine/fault_store.h"

#include <fmt/format.h>

namespace sluice::engine {

const char* to_string(StoreOp op) {
  switch (op) {
    case StoreOp::kCreateRun:
      return "create_run";
    case StoreOp::kSaveRun:
      return "save_run";
    case StoreOp::kSaveJob:
      return "save_job";
    case StoreOp::kSaveStep:
      return "save_step";
    case StoreOp::kSaveAttempt:
      return "save_attempt";
    case StoreOp::kAddAnnotation:
      return "add_annotation";
    case StoreOp::kOpenLog:
      return "open_log";
    case StoreOp::kFlush:
      return "flush";
  }
  return "?";
}

struct FaultStore::LogBudget {
  static constexpr int64_t kUnlimited = -1;
  std::mutex mutex;
  int64_t lines_left = kUnlimited;
  int64_t lost = 0;

  // Whether one more line fits; counts the line as lost when not.
  bool take() {
    std::lock_guard lock(mutex);
    if (lines_left == kUnlimited) return true;
    if (lines_left > 0) {
      --lines_left;
      return true;
    }
    ++lost;
    return false;
  }
};

namespace {

// A log writer over the wrapped store's, on a disk that may fill up.
class FaultLogWriter : public LogWriter {
 public:
  FaultLogWriter(std::shared_ptr<LogWriter> inner, std::shared_ptr<FaultStore::LogBudget> budget)
      : inner_(std::move(inner)), budget_(std::move(budget)) {}

  void append_line(std::string_view line) override {
    if (closed_) return;
    if (budget_->take()) {
      inner_->append_line(line);
    } else if (error_.empty()) {
      error_ = "injected fault: cannot write log (No space left on device)";
    }
  }
  void close() override {
    closed_ = true;
    inner_->close();
  }
  void flush() override { inner_->flush(); }
  int64_t lines() const override { return inner_->lines(); }
  int64_t bytes() const override { return inner_->bytes(); }
  std::string error() const override { return error_.empty() ? inner_->error() : error_; }

 private:
  std::shared_ptr<LogWriter> inner_;
  std::shared_ptr<FaultStore::LogBudget> budget_;
  bool closed_ = false;
  std::string error_;
};

}  // namespace

FaultStore::FaultStore(Store& inner)
    : ForwardingStore(inner), log_budget_(std::make_shared<LogBudget>()) {}
FaultStore::~FaultStore() = default;

void FaultStore::fail(StoreOp op, int nth, bool and_after) {
  std::lock_guard lock(mutex_);
  Rule& rule = rules_[static_cast<size_t>(op)];
  rule.fail_at = rule.calls + nth;
  rule.and_after = and_after;
}

void FaultStore::fail_all_writes() {
  for (size_t op = 0; op < kOps; ++op) fail(static_cast<StoreOp>(op), 1, true);
  fill_logs_after(0);
}

void FaultStore::fill_logs_after(int64_t lines) {
  std::lock_guard lock(log_budget_->mutex);
  log_budget_->lines_left = lines;
}

int FaultStore::calls(StoreOp op) const {
  std::lock_guard lock(mutex_);
  return rules_[static_cast<size_t>(op)].calls;
}

int FaultStore::failures() const {
  std::lock_guard lock(mutex_);
  std::lock_guard budget_lock(log_budget_->mutex);
  return failures_ + static_cast<int>(log_budget_->lost);
}

Status FaultStore::check(StoreOp op) {
  std::lock_guard lock(mutex_);
  Rule& rule = rules_[static_cast<size_t>(op)];
  int call = ++rule.calls;
  bool fails =
      rule.fail_at > 0 && (call == rule.fail_at || (rule.and_after && call > rule.fail_at));
  if (!fails) return Status::Ok();
  ++failures_;
  return Error{
      fmt::format("injected fault: {} #{} failed (No space left on device)", to_string(op), call),
      {}};
}

Status FaultStore::create_run(RunRecord& run) {
  if (Status s = check(StoreOp::kCreateRun); !s.ok()) return s;
  return inner_.create_run(run);
}

Status FaultStore::save_run(const RunRecord& run) {
  if (Status s = check(StoreOp::kSaveRun); !s.ok()) return s;
  return inner_.save_run(run);
}

Status FaultStore::save_job(const JobRecord& job) {
  if (Status s = check(StoreOp::kSaveJob); !s.ok()) return s;
  return inner_.save_job(job);
}

Status FaultStore::save_step(const StepRecord& step) {
  if (Status s = check(StoreOp::kSaveStep); !s.ok()) return s;
  return inner_.save_step(step);
}

Status FaultStore::save_attempt(const AttemptRecord& attempt) {
  if (Status s = check(StoreOp::kSaveAttempt); !s.ok()) return s;
  return inner_.save_attempt(attempt);
}

Status FaultStore::add_annotation(const Annotation& annotation) {
  if (Status s = check(StoreOp::kAddAnnotation); !s.ok()) return s;
  return inner_.add_annotation(annotation);
}

Result<std::shared_ptr<LogWriter>> FaultStore::open_log(AttemptRecord& attempt) {
  if (Status s = check(StoreOp::kOpenLog); !s.ok()) return s.error();
  auto log = inner_.open_log(attempt);
  if (!log) return log;
  return std::shared_ptr<LogWriter>(std::make_shared<FaultLogWriter>(*log, log_budget_));
}

Status FaultStore::flush() {
  if (Status s = check(StoreOp::kFlush); !s.ok()) return s;
  return inner_.flush();
}

}  // namespace sluice::engine
