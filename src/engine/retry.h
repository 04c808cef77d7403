// Failure classes of an attempt's outcome and the retry decision (sluice's `retry:`
// extension).
#pragma once

#include <cstdint>
#include <string>

#include "core/failure_class.h"
#include "engine/executor.h"
#include "engine/run_model.h"
#include "spec/workflow.h"

namespace sluice::engine {

// Why an attempt failed; kNone when it succeeded. An exit code above 128 counts as a signal,
// as a shell reports one (137 after an OOM kill); a step that exited 0 but wrote a malformed
// GITHUB_OUTPUT/GITHUB_ENV (error_message set) fails with kFileCommand, as on GitHub.
FailureClass classify_failure(const StepOutcome& outcome, bool timed_out);

// The status an attempt with that failure ends in: success, timed_out, cancelled or failure.
RunStatus attempt_status(FailureClass failure);

// The attempt's reason for humans: "exit code 3", "killed by signal 9", "timed out",
// "cancelled", or the outcome's error message; "" for kNone.
std::string failure_reason(FailureClass failure, const StepOutcome& outcome);

// Whether `policy` allows another attempt after attempt number `attempt` failed with
// `failure`. Cancellation is never retried.
bool retry_allows(const spec::RetryPolicy& policy, int attempt, FailureClass failure, int exit_code,
                  bool log_pattern_matched);

// Backoff before attempt `attempt + 1`: delay * factor^(attempt-1), capped at the maximum.
int64_t retry_delay_ms(const spec::RetryPolicy& policy, int attempt);

}  // namespace sluice::engine
