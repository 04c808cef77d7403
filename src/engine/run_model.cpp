#include "engine/run_model.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/json.h"
#include "core/value.h"

namespace sluice::engine {

std::string needs_to_json(const std::vector<std::string>& needs) {
  if (needs.empty()) return "";
  Value::Array keys;
  for (const std::string& key : needs) keys.push_back(Value(key));
  return to_json(Value::array(std::move(keys)));
}

bool is_terminal(RunStatus status) {
  switch (status) {
    case RunStatus::kQueued:
    case RunStatus::kWaiting:
    case RunStatus::kRunning:
      return false;
    case RunStatus::kSuccess:
    case RunStatus::kFailure:
    case RunStatus::kTimedOut:
    case RunStatus::kCancelled:
    case RunStatus::kSkipped:
    case RunStatus::kInterrupted:
      return true;
  }
  return false;
}

const char* to_string(RunStatus status) {
  switch (status) {
    case RunStatus::kQueued:
      return "queued";
    case RunStatus::kWaiting:
      return "waiting";
    case RunStatus::kRunning:
      return "running";
    case RunStatus::kSuccess:
      return "success";
    case RunStatus::kFailure:
      return "failure";
    case RunStatus::kTimedOut:
      return "timed_out";
    case RunStatus::kCancelled:
      return "cancelled";
    case RunStatus::kSkipped:
      return "skipped";
    case RunStatus::kInterrupted:
      return "interrupted";
  }
  return "unknown";
}

// Unknown text maps to kQueued: a store written by a newer sluice with a new status must
// still load, and "not started" is the least misleading reading of it.
RunStatus run_status_from_string(const std::string& text) {
  static constexpr RunStatus kAll[] = {
      RunStatus::kQueued,    RunStatus::kWaiting, RunStatus::kRunning,
      RunStatus::kSuccess,   RunStatus::kFailure, RunStatus::kTimedOut,
      RunStatus::kCancelled, RunStatus::kSkipped, RunStatus::kInterrupted};
  for (RunStatus status : kAll) {
    if (text == to_string(status)) return status;
  }
  return RunStatus::kQueued;
}

const char* github_result(RunStatus status) {
  switch (status) {
    case RunStatus::kSuccess:
      return "success";
    case RunStatus::kFailure:
    case RunStatus::kTimedOut:
    case RunStatus::kInterrupted:
      return "failure";
    case RunStatus::kCancelled:
      return "cancelled";
    case RunStatus::kSkipped:
      return "skipped";
    case RunStatus::kQueued:
    case RunStatus::kWaiting:
    case RunStatus::kRunning:
      return "";
  }
  return "";
}

const char* to_string(AnnotationLevel level) {
  switch (level) {
    case AnnotationLevel::kError:
      return "error";
    case AnnotationLevel::kWarning:
      return "warning";
    case AnnotationLevel::kNotice:
      return "notice";
  }
  return "notice";
}

namespace {

void count(RunStatistics& stats, RunStatus status) {
  ++stats.total;
  switch (status) {
    case RunStatus::kSuccess:
      ++stats.succeeded;
      break;
    case RunStatus::kFailure:
      ++stats.failed;
      break;
    case RunStatus::kTimedOut:
      ++stats.timed_out;
      break;
    case RunStatus::kCancelled:
      ++stats.cancelled;
      break;
    case RunStatus::kSkipped:
      ++stats.skipped;
      break;
    case RunStatus::kInterrupted:
      ++stats.interrupted;
      break;
    case RunStatus::kQueued:
    case RunStatus::kWaiting:
    case RunStatus::kRunning:
      ++stats.running;
      break;
  }
}

}  // namespace

RunStatistics compute_action_statistics(const std::vector<JobRecord>& jobs) {
  // A grouping record's key K is followed, in sorted order, by keys "K (..." or "K / ..."
  // (job ids cannot contain spaces, and ' ' sorts before every character they can hold).
  std::vector<const JobRecord*> sorted;
  for (const JobRecord& job : jobs) sorted.push_back(&job);
  std::sort(sorted.begin(), sorted.end(),
            [](const JobRecord* a, const JobRecord* b) { return a->key < b->key; });
  RunStatistics stats;
  for (size_t i = 0; i < sorted.size(); ++i) {
    const std::string& key = sorted[i]->key;
    bool groups_others = i + 1 < sorted.size() && sorted[i + 1]->key.size() > key.size() &&
                         sorted[i + 1]->key.compare(0, key.size() + 1, key + " ") == 0;
    if (!groups_others) count(stats, sorted[i]->status);
  }
  return stats;
}

RunStatistics compute_step_statistics(const std::vector<StepRecord>& steps) {
  RunStatistics stats;
  for (const StepRecord& step : steps) count(stats, step.status);
  return stats;
}

std::string format_statistics(const RunStatistics& stats, const char* noun) {
  // Interrupted only appears when it happened: most summaries never have it.
  std::string interrupted =
      stats.interrupted > 0 ? fmt::format("{} interrupted, ", stats.interrupted) : "";
  return fmt::format(
      "{} {}{}: {} succeeded, {} failed, {} timed out, {} cancelled, {} skipped, {}{} running",
      stats.total, noun, stats.total == 1 ? "" : "s", stats.succeeded, stats.failed,
      stats.timed_out, stats.cancelled, stats.skipped, interrupted, stats.running);
}

std::string format_duration_ms(int64_t duration_ms) {
  if (duration_ms < 0) return "-";
  if (duration_ms < 1000) return fmt::format("{}ms", duration_ms);
  // Truncated, not rounded, so that 59999ms never prints as "60.0s".
  if (duration_ms < 60'000)
    return fmt::format("{}.{}s", duration_ms / 1000, (duration_ms % 1000) / 100);
  int64_t seconds = duration_ms / 1000;
  if (seconds < 3600) return fmt::format("{}m {:02}s", seconds / 60, seconds % 60);
  return fmt::format("{}h {:02}m", seconds / 3600, (seconds % 3600) / 60);
}

}  // namespace sluice::engine
