#include "engine/retry.h"

#include <algorithm>
#include <cmath>

namespace sluice::engine {

FailureClass classify_failure(const StepOutcome& outcome, bool timed_out) {
  if (timed_out) return FailureClass::kTimeout;
  if (!outcome.started) return FailureClass::kStartError;
  if (outcome.cancelled) return FailureClass::kCancelled;
  if (outcome.signal != 0 || outcome.exit_code > 128) return FailureClass::kSignal;
  if (outcome.exit_code != 0) return FailureClass::kExitCode;
  if (!outcome.error_message.empty()) return FailureClass::kFileCommand;
  return FailureClass::kNone;
}

RunStatus attempt_status(FailureClass failure) {
  switch (failure) {
    case FailureClass::kNone:
      return RunStatus::kSuccess;
    case FailureClass::kTimeout:
      return RunStatus::kTimedOut;
    case FailureClass::kCancelled:
      return RunStatus::kCancelled;
    default:
      return RunStatus::kFailure;
  }
}

std::string failure_reason(FailureClass failure, const StepOutcome& outcome) {
  switch (failure) {
    case FailureClass::kNone:
      return "";
    case FailureClass::kExitCode:
      return "exit code " + std::to_string(outcome.exit_code);
    case FailureClass::kSignal:
      return outcome.signal == 0 ? "exit code " + std::to_string(outcome.exit_code)
                                 : "killed by signal " + std::to_string(outcome.signal);
    case FailureClass::kTimeout:
      return "timed out";
    case FailureClass::kCancelled:
      return "cancelled";
    case FailureClass::kStartError:
    case FailureClass::kFileCommand:
      return outcome.error_message;
  }
  return "";
}

bool retry_allows(const spec::RetryPolicy& policy, int attempt, FailureClass failure, int exit_code,
                  bool log_pattern_matched) {
  if (attempt >= policy.max_attempts) return false;
  if (failure == FailureClass::kNone || failure == FailureClass::kCancelled) return false;
  bool any_class_given = !policy.exit_codes.empty() || policy.on_timeout || policy.on_signal ||
                         !policy.log_pattern.empty();
  if (policy.on_any || !any_class_given) return true;
  if (failure == FailureClass::kTimeout && policy.on_timeout) return true;
  if (failure == FailureClass::kSignal && policy.on_signal) return true;
  if ((failure == FailureClass::kExitCode || failure == FailureClass::kSignal) &&
      std::find(policy.exit_codes.begin(), policy.exit_codes.end(), exit_code) !=
          policy.exit_codes.end())
    return true;
  return !policy.log_pattern.empty() && log_pattern_matched;
}

int64_t retry_delay_ms(const spec::RetryPolicy& policy, int attempt) {
  double delay = policy.delay_seconds * std::pow(policy.factor, std::max(0, attempt - 1));
  delay = std::min(delay, policy.max_delay_seconds);
  return static_cast<int64_t>(std::max(0.0, delay) * 1000);
}

}  // namespace sluice::engine
