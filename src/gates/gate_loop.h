// The health gate's decision loop: poll a source every `interval` until it has been clear
// for `stable_for` consecutive polls (pass), or `timeout` passes (fail, or pass with a
// warning). A source that errors is handled per `on_source_error`; while retrying, the wait
// between polls doubles from `interval` up to `backoff_cap` and returns to `interval` after
// the next successful poll. A source error never counts as a clear poll and resets the
// stable streak.
//
// Pure: time comes from a GateClock (tests use a manual one whose sleep advances time), the
// world from a HealthSource. Every poll writes one line plus one line per blocking event to
// `log`: the audit trail of why a deployment waited.
#pragma once

#include <chrono>
#include <iosfwd>
#include <string>
#include <vector>

#include "core/result.h"
#include "gates/health_event.h"

namespace sluice::gates {

class HealthSource {
 public:
  virtual ~HealthSource() = default;
  // All current events (unfiltered), or an error naming what went wrong (unreachable,
  // HTTP status, malformed response). Called from the gate's thread only.
  virtual Result<std::vector<HealthEvent>> poll() = 0;
  virtual std::string name() const = 0;  // "statuspage http://host/api/v2/summary.json"
};

class GateClock {
 public:
  virtual ~GateClock() = default;
  virtual std::chrono::milliseconds now() = 0;  // monotonic
  // Waits `d`; false when the wait was interrupted (the gate stops and fails).
  virtual bool sleep_for(std::chrono::milliseconds d) = 0;
};

// std::chrono::steady_clock and std::this_thread::sleep_for (cancellation of a step kills
// the process, which is how a real gate stops).
class SystemGateClock : public GateClock {
 public:
  std::chrono::milliseconds now() override;
  bool sleep_for(std::chrono::milliseconds d) override;
};

enum class OnSourceError { kFail, kPass, kRetry };
enum class OnTimeout { kFail, kPass };

struct GateConfig {
  std::chrono::milliseconds interval{10'000};
  int stable_for = 1;  // consecutive clear polls needed (>= 1)
  std::chrono::milliseconds timeout{30 * 60'000};
  OnSourceError on_source_error = OnSourceError::kRetry;
  OnTimeout on_timeout = OnTimeout::kFail;
  std::chrono::milliseconds backoff_cap{5 * 60'000};
};

struct GateOutcome {
  bool passed = false;
  bool warning = false;  // passed, but not because the source was clear
  std::string reason;    // one line, for the step's log and its failure
  int polls = 0;
};

GateOutcome run_gate(const GateConfig& config, HealthSource& source, const EventFilter& filter,
                     GateClock& clock, std::ostream& log);

// "10s", "500ms", "0.2s", "30m", "1h", "15" (seconds) -> milliseconds; errors name the text.
Result<std::chrono::milliseconds> parse_duration(const std::string& text);
Result<OnSourceError> parse_on_source_error(const std::string& text);
Result<OnTimeout> parse_on_timeout(const std::string& text);

}  // namespace sluice::gates
