#include "gates/gate_loop.h"

#include <algorithm>
#include <cmath>
#include <ostream>
#include <thread>

namespace sluice::gates {
namespace {

using std::chrono::milliseconds;

std::string format_ms(milliseconds d) {
  auto ms = d.count();
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1fs", static_cast<double>(ms) / 1000.0);
  return buf;
}

// The wait after the n-th consecutive source error (n >= 1): interval * 2^n, capped.
milliseconds backoff(const GateConfig& config, int errors) {
  milliseconds wait = config.interval;
  for (int i = 0; i < errors && wait < config.backoff_cap; ++i) wait *= 2;
  return std::min(wait, std::max(config.backoff_cap, config.interval));
}

}  // namespace

milliseconds SystemGateClock::now() {
  return std::chrono::duration_cast<milliseconds>(
      std::chrono::steady_clock::now().time_since_epoch());
}

bool SystemGateClock::sleep_for(milliseconds d) {
  std::this_thread::sleep_for(d);
  return true;
}

GateOutcome run_gate(const GateConfig& config, HealthSource& source, const EventFilter& filter,
                     GateClock& clock, std::ostream& log) {
  GateOutcome out;
  const int stable_for = std::max(1, config.stable_for);
  const milliseconds start = clock.now();
  const milliseconds deadline = start + config.timeout;
  int streak = 0;
  int errors = 0;
  std::string last_state;  // why the gate is not yet open, for the timeout reason
  log << "health gate: " << source.name() << " every " << format_ms(config.interval)
      << ", pass after " << stable_for << " clear poll(s), timeout " << format_ms(config.timeout)
      << "\n";
  while (true) {
    ++out.polls;
    auto events = source.poll();
    std::string at =
        "poll " + std::to_string(out.polls) + " (+" + format_ms(clock.now() - start) + ")";
    milliseconds wait = config.interval;
    if (!events.ok()) {
      streak = 0;
      ++errors;
      log << at << ": source error: " << events.error().message << "\n";
      last_state = "last poll failed: " + events.error().message;
      if (config.on_source_error == OnSourceError::kFail) {
        out.reason = "health source error: " + events.error().message;
        return out;
      }
      if (config.on_source_error == OnSourceError::kPass) {
        out.passed = out.warning = true;
        out.reason =
            "health source error (passing as on-source-error: pass): " + events.error().message;
        return out;
      }
      wait = backoff(config, errors);
      log << at << ": retrying in " << format_ms(wait) << "\n";
    } else {
      errors = 0;
      std::vector<const HealthEvent*> blocking;
      for (const auto& e : *events)
        if (filter.blocks(e)) blocking.push_back(&e);
      if (blocking.empty()) {
        ++streak;
        log << at << ": clear (" << streak << "/" << stable_for << ")";
        if (events->size() > 0) log << ", " << events->size() << " event(s) filtered out";
        log << "\n";
        if (streak >= stable_for) {
          out.passed = true;
          out.reason = "clear for " + std::to_string(stable_for) + " consecutive poll(s)";
          return out;
        }
        last_state = "clear for " + std::to_string(streak) + " of " + std::to_string(stable_for) +
                     " poll(s)";
      } else {
        streak = 0;
        log << at << ": blocked by " << blocking.size() << " event(s)\n";
        for (const auto* e : blocking) log << "  blocking: " << describe_event(*e) << "\n";
        last_state = "blocked by " + std::to_string(blocking.size()) +
                     " event(s), first: " + describe_event(*blocking.front());
      }
    }
    milliseconds now = clock.now();
    if (now >= deadline || now + wait > deadline) {
      // The next poll would come after the deadline: decide now rather than sleep for
      // nothing.
      if (now + wait > deadline && now < deadline) {
        if (!clock.sleep_for(deadline - now)) {
          out.reason = "health gate interrupted";
          return out;
        }
      }
      std::string why = "timed out after " + format_ms(config.timeout) + ": " + last_state;
      if (config.on_timeout == OnTimeout::kPass) {
        out.passed = out.warning = true;
        out.reason = why + " (passing as on-timeout: pass)";
      } else {
        out.reason = why;
      }
      return out;
    }
    if (!clock.sleep_for(wait)) {
      out.reason = "health gate interrupted";
      return out;
    }
  }
}

Result<milliseconds> parse_duration(const std::string& text) {
  size_t i = 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.'))
    ++i;
  std::string number = text.substr(0, i);
  std::string unit = text.substr(i);
  double value = 0;
  try {
    size_t used = 0;
    value = std::stod(number, &used);
    if (used != number.size()) throw std::invalid_argument(number);
  } catch (const std::exception&) {
    return Error{"invalid duration '" + text + "' (write 500ms, 10s, 30m or 1h)", {}};
  }
  double factor = 0;
  if (unit == "ms")
    factor = 1;
  else if (unit == "s" || unit.empty())
    factor = 1000;
  else if (unit == "m")
    factor = 60'000;
  else if (unit == "h")
    factor = 3'600'000;
  else
    return Error{"invalid duration unit in '" + text + "' (use ms, s, m or h)", {}};
  double ms = value * factor;
  if (!std::isfinite(ms) || ms > 30.0 * 24 * 3'600'000)
    return Error{"duration '" + text + "' is too long (at most 30 days)", {}};
  return milliseconds(static_cast<int64_t>(ms));
}

Result<OnSourceError> parse_on_source_error(const std::string& text) {
  if (text == "fail") return OnSourceError::kFail;
  if (text == "pass") return OnSourceError::kPass;
  if (text == "retry" || text.empty()) return OnSourceError::kRetry;
  return Error{"on-source-error must be fail, pass or retry, not '" + text + "'", {}};
}

Result<OnTimeout> parse_on_timeout(const std::string& text) {
  if (text == "fail" || text.empty()) return OnTimeout::kFail;
  if (text == "pass") return OnTimeout::kPass;
  return Error{"on-timeout must be fail or pass, not '" + text + "'", {}};
}

}  // namespace sluice::gates
