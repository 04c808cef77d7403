#include "deploy/probe.h"

#include <chrono>

#include "gates/json_path.h"

namespace sluice::deploy {

GateCheckProbe::GateCheckProbe(HookRunner& runner, std::string working_directory,
                               gates::HttpFetch fetch)
    : runner_(runner), working_directory_(std::move(working_directory)), fetch_(std::move(fetch)) {}

gates::HttpFetch GateCheckProbe::fetch_for(const CheckSpec& check) const {
  return fetch_ ? fetch_ : gates::default_http_fetch(check.timeout);
}

Measurement GateCheckProbe::measure(const CheckSpec& check) {
  switch (check.kind) {
    case CheckSpec::Kind::kHttp:
      return http(check);
    case CheckSpec::Kind::kPrometheus:
      return prometheus(check);
    case CheckSpec::Kind::kCommand:
      return command(check);
  }
  return {Verdict::kInconclusive, "unknown check kind"};
}

namespace {

// Evaluates a condition given as text (validated when the inputs were read).
std::optional<bool> holds(const std::string& text, const std::string& body, std::string& note) {
  auto condition = gates::parse_condition(text);
  if (!condition) {
    note = condition.error().message;
    return std::nullopt;
  }
  auto r = gates::evaluate_condition(*condition, body);
  if (!r) {
    note = r.error().message;
    return std::nullopt;
  }
  return r->holds;
}

}  // namespace

Measurement GateCheckProbe::http(const CheckSpec& check) {
  auto start = std::chrono::steady_clock::now();
  auto reply = fetch_for(check)(gates::HttpCall{"GET", check.url, {}, "", ""});
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                  start)
                .count();
  if (!reply) return {Verdict::kFail, reply.error().message};
  std::string text =
      "status " + std::to_string(reply->status) + " in " + std::to_string(ms) + " ms";
  if (reply->status < check.status_min || reply->status > check.status_max)
    return {Verdict::kFail, text + " (expected " + std::to_string(check.status_min) + "-" +
                                std::to_string(check.status_max) + ")"};
  if (check.max_latency && ms > check.max_latency->count())
    return {Verdict::kFail,
            text + " (slower than " + std::to_string(check.max_latency->count()) + " ms)"};
  std::string note;
  if (!check.failure_condition.empty()) {
    auto failed = holds(check.failure_condition, reply->body, note);
    if (!failed) return {Verdict::kInconclusive, text + ": " + note};
    if (*failed) return {Verdict::kFail, text + ": " + check.failure_condition + " holds"};
  }
  if (check.condition.empty()) return {Verdict::kPass, text};
  auto ok = holds(check.condition, reply->body, note);
  if (!ok) return {Verdict::kInconclusive, text + ": " + note};
  if (*ok) return {Verdict::kPass, text + ": " + check.condition + " holds"};
  // Argo: with both conditions given, matching neither is inconclusive.
  if (!check.failure_condition.empty())
    return {Verdict::kInconclusive, text + ": neither condition holds"};
  return {Verdict::kFail, text + ": " + check.condition + " does not hold"};
}

Measurement GateCheckProbe::prometheus(const CheckSpec& check) {
  gates::SourceOptions options;
  options.kind = "prometheus";
  options.url = check.url;
  options.query = check.query;
  options.threshold = check.threshold;
  options.request_timeout = check.timeout;
  auto source = gates::make_source(options, fetch_);
  if (!source) return {Verdict::kInconclusive, source.error().message};
  auto events = (*source)->poll();
  if (!events) return {Verdict::kInconclusive, events.error().message};
  if (events->empty()) return {Verdict::kPass, "no sample above the threshold"};
  return {Verdict::kFail, std::to_string(events->size()) +
                              " sample(s) above the threshold: " + events->front().summary};
}

Measurement GateCheckProbe::command(const CheckSpec& check) {
  HookCall call{"[check " + check.name + "] ",
                HookScript{check.command, false, check.timeout, "", {}},
                {{"SLUICE_DEPLOY_CHECK", check.name}},
                working_directory_};
  HookOutcome outcome = runner_.run(call, {});
  std::string last_line = outcome.output;
  while (!last_line.empty() && last_line.back() == '\n') last_line.pop_back();
  if (auto nl = last_line.rfind('\n'); nl != std::string::npos) last_line.erase(0, nl + 1);
  std::string text =
      outcome.describe() + (last_line.empty() ? "" : ": " + last_line.substr(0, 200));
  if (outcome.ok()) return {Verdict::kPass, text};
  if (check.inconclusive_exit_code && outcome.error.empty() && !outcome.timed_out &&
      outcome.exit_code == *check.inconclusive_exit_code)
    return {Verdict::kInconclusive, text};
  return {Verdict::kFail, text};
}

}  // namespace sluice::deploy
