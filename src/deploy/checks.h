// Checks: the analysis of a deployment (Argo Rollouts' AnalysisTemplate metrics, in short).
// A check takes `count` measurements every `interval`; each measurement passes, fails or is
// inconclusive. The analysis fails as soon as a check has more than `failure-limit` failed
// measurements (so a bad canary is pulled at the first measurement past the limit, not at
// the end of the window), is inconclusive once a check has more than
// `inconclusive-limit` inconclusive ones, and passes when every check has taken all its
// measurements without either.
//
// Measurements (probe.h does the I/O):
//   http        GET url: fails on an unreachable server, a status not in `status`
//               (default 200-399), a latency over `max-latency`, or `failure-condition`
//               holding; passes when `condition` holds (or there is none); inconclusive when
//               both conditions are given and neither holds (as in Argo). Conditions are
//               gates/json_path.h conditions over the response body.
//   prometheus  instant query at `url`: fails while a sample is above `threshold` (any
//               sample without one: the query selects what is wrong), as the health gate's
//               source does; a query error is inconclusive.
//   command     run by bash: exit 0 passes, `inconclusive-exit-code` (if set) is
//               inconclusive, anything else fails.
#pragma once

#include <chrono>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "core/diagnostic.h"

namespace sluice::deploy {

struct CheckSpec {
  std::string name;
  enum class Kind { kHttp, kPrometheus, kCommand } kind = Kind::kHttp;
  std::string url;      // http, prometheus
  std::string query;    // prometheus
  std::string command;  // command
  std::optional<double> threshold;
  int status_min = 200, status_max = 399;  // http: accepted statuses
  std::optional<std::chrono::milliseconds> max_latency;
  std::string condition;          // http: success condition
  std::string failure_condition;  // http
  std::optional<int> inconclusive_exit_code;
  std::chrono::milliseconds interval{1'000};
  std::chrono::milliseconds initial_delay{0};
  std::chrono::milliseconds timeout{10'000};  // of one measurement
  int count = 1;
  int failure_limit = 0;
  int inconclusive_limit = 0;
  SourcePos pos;
};

enum class Verdict { kPass, kFail, kInconclusive };
const char* to_string(Verdict verdict);  // pass | fail | inconclusive

struct Measurement {
  Verdict verdict = Verdict::kPass;
  std::string text;  // one line: "status 500 in 3 ms", "$.ok == true holds", ...
};

// Takes one measurement of a check. Implementations: probe.h (real), fakes in tests.
class CheckProbe {
 public:
  virtual ~CheckProbe() = default;
  virtual Measurement measure(const CheckSpec& check) = 0;
};

// Time for the deployer's waits (pauses, check intervals); tests use a manual clock whose
// sleep advances it. Waits are taken in short slices so that an abort is seen promptly.
class DeployClock {
 public:
  virtual ~DeployClock() = default;
  virtual std::chrono::milliseconds now() = 0;  // monotonic
  virtual void sleep_for(std::chrono::milliseconds d) = 0;
};

// steady_clock and std::this_thread::sleep_for.
class SystemDeployClock : public DeployClock {
 public:
  std::chrono::milliseconds now() override;
  void sleep_for(std::chrono::milliseconds d) override;
};

struct AnalysisResult {
  Verdict verdict = Verdict::kPass;
  std::string reason;  // "check errors: 2 failed measurements (limit 1): status 500 in 2 ms"
  int measurements = 0;
};

// Runs `checks` side by side until the analysis decides (above). Each measurement is
// written to `log` and given to `on_measurement` (the journal). `interrupted` is asked
// between measurements; when it says stop, the result is kInconclusive with reason
// "interrupted" and the caller decides.
AnalysisResult run_analysis(
    const std::vector<CheckSpec>& checks, CheckProbe& probe, DeployClock& clock, std::ostream& log,
    const std::function<void(const CheckSpec&, const Measurement&)>& on_measurement,
    const std::function<bool()>& interrupted);

}  // namespace sluice::deploy
