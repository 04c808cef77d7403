// FailureClass: why a step attempt failed. One vocabulary for the engine (which classifies
// an outcome and decides on a retry), the `retry: on:` syntax (whose `timeout` and `signal`
// name classes) and the Store (attempts.failure_class holds to_string()).
#pragma once

#include <optional>
#include <string_view>

namespace sluice {

enum class FailureClass {
  kNone,         // the attempt succeeded
  kExitCode,     // exited with a non-zero code (128 or less)
  kSignal,       // killed by a signal, or an exit code above 128 as a shell reports it
  kTimeout,      // its timeout-minutes ran out
  kCancelled,    // the run or job was cancelled
  kStartError,   // could not start: missing shell or working directory, bad expression...
  kFileCommand,  // exited 0 but wrote a malformed GITHUB_OUTPUT / ENV / STATE, or a refused command
};

// "" | "exit-code" | "signal" | "timeout" | "cancelled" | "start-error" | "file-command".
std::string_view to_string(FailureClass failure);
// The inverse of to_string; nullopt for any other text.
std::optional<FailureClass> parse_failure_class(std::string_view text);

}  // namespace sluice
