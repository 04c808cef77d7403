#include "engine/retry.h"

#include <algorithm>
#include <cmath>

namespace sluice::engine {

std::string classify_failure(const StepOutcome& outcome, bool timed_out) {
  if (timed_out) return "timeout";
  if (!outcome.started) return "start-error";
  if (outcome.cancelled) return "cancelled";
  if (outcome.signal != 0 || outcome.exit_code > 128) return "signal";
  if (outcome.exit_code != 0) return "exit-code";
  return "";
}

bool retry_allows(const spec::RetryPolicy& policy, int attempt, const std::string& failure_class,
                  int exit_code, bool log_pattern_matched) {
  if (attempt >= policy.max_attempts) return false;
  if (failure_class.empty() || failure_class == "cancelled") return false;
  bool any_class_given = !policy.exit_codes.empty() || policy.on_timeout || policy.on_signal ||
                         !policy.log_pattern.empty();
  if (policy.on_any || !any_class_given) return true;
  if (failure_class == "timeout" && policy.on_timeout) return true;
  if (failure_class == "signal" && policy.on_signal) return true;
  if ((failure_class == "exit-code" || failure_class == "signal") &&
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
