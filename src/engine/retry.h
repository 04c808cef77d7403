// Failure classes and the retry decision (sluice's `retry:` extension).
#pragma once

#include <cstdint>
#include <string>

#include "engine/executor.h"
#include "spec/workflow.h"

namespace sluice::engine {

// Why an attempt failed: "exit-code", "timeout", "signal" (killed by a signal, or an exit
// code above 128 as a shell reports it, e.g. 137 after an OOM kill), "cancelled",
// "start-error"; "" when it succeeded. (The engine adds "file-command" for a step that
// exited 0 but wrote a malformed GITHUB_OUTPUT/GITHUB_ENV.)
std::string classify_failure(const StepOutcome& outcome, bool timed_out);

// Whether `policy` allows another attempt after attempt number `attempt` failed with
// `failure_class`. Cancellation is never retried.
bool retry_allows(const spec::RetryPolicy& policy, int attempt, const std::string& failure_class,
                  int exit_code, bool log_pattern_matched);

// Backoff before attempt `attempt + 1`: delay * factor^(attempt-1), capped at the maximum.
int64_t retry_delay_ms(const spec::RetryPolicy& policy, int attempt);

}  // namespace sluice::engine
