#include "deploy/checks.h"

#include <algorithm>
#include <ostream>
#include <thread>

namespace sluice::deploy {

const char* to_string(Verdict verdict) {
  switch (verdict) {
    case Verdict::kPass:
      return "pass";
    case Verdict::kFail:
      return "fail";
    case Verdict::kInconclusive:
      return "inconclusive";
  }
  return "?";
}

std::chrono::milliseconds SystemDeployClock::now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now().time_since_epoch());
}

void SystemDeployClock::sleep_for(std::chrono::milliseconds d) {
  std::this_thread::sleep_for(d);
}

namespace {

struct CheckState {
  const CheckSpec* spec;
  std::chrono::milliseconds next_due;
  int taken = 0;
  int failures = 0;
  int inconclusive = 0;
  bool done() const { return taken >= spec->count; }
};

// Waits until `until` in slices, so that an interruption is seen within 50 ms.
bool wait_until(DeployClock& clock, std::chrono::milliseconds until,
                const std::function<bool()>& interrupted) {
  constexpr std::chrono::milliseconds kSlice{50};
  while (true) {
    if (interrupted && interrupted()) return false;
    auto now = clock.now();
    if (now >= until) return true;
    clock.sleep_for(std::min(kSlice, until - now));
  }
}

}  // namespace

AnalysisResult run_analysis(
    const std::vector<CheckSpec>& checks, CheckProbe& probe, DeployClock& clock, std::ostream& log,
    const std::function<void(const CheckSpec&, const Measurement&)>& on_measurement,
    const std::function<bool()>& interrupted) {
  AnalysisResult result;
  std::vector<CheckState> states;
  auto start = clock.now();
  for (const CheckSpec& c : checks) states.push_back({&c, start + c.initial_delay});
  while (true) {
    CheckState* next = nullptr;
    for (CheckState& s : states)
      if (!s.done() && (!next || s.next_due < next->next_due)) next = &s;
    if (!next) break;
    if (!wait_until(clock, next->next_due, interrupted)) {
      result.verdict = Verdict::kInconclusive;
      result.reason = "interrupted";
      return result;
    }
    const CheckSpec& spec = *next->spec;
    Measurement m = probe.measure(spec);
    ++next->taken;
    ++result.measurements;
    next->next_due += spec.interval;
    log << "check " << spec.name << " #" << next->taken << "/" << spec.count << ": "
        << to_string(m.verdict) << " (" << m.text << ")\n";
    if (on_measurement) on_measurement(spec, m);
    if (m.verdict == Verdict::kFail && ++next->failures > spec.failure_limit) {
      result.verdict = Verdict::kFail;
      result.reason = "check " + spec.name + ": " + std::to_string(next->failures) +
                      " failed measurement(s), limit " + std::to_string(spec.failure_limit) +
                      "; last: " + m.text;
      return result;
    }
    if (m.verdict == Verdict::kInconclusive && ++next->inconclusive > spec.inconclusive_limit) {
      result.verdict = Verdict::kInconclusive;
      result.reason = "check " + spec.name + ": " + std::to_string(next->inconclusive) +
                      " inconclusive measurement(s), limit " +
                      std::to_string(spec.inconclusive_limit) + "; last: " + m.text;
      return result;
    }
  }
  result.verdict = Verdict::kPass;
  result.reason = std::to_string(result.measurements) + " measurement(s) within limits";
  return result;
}

}  // namespace sluice::deploy
