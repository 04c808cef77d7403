// Steps, retry policies, defaults and concurrency: the parts of a workflow shared by jobs,
// the workflow root and composite actions.
#include <charconv>
#include <cmath>

#include "core/failure_class.h"
#include "spec/loader_parts.h"
#include "spec/suggest.h"

namespace sluice::spec::detail {

namespace {

constexpr std::string_view kStepKeys[] = {"id",
                                          "name",
                                          "if",
                                          "run",
                                          "shell",
                                          "working-directory",
                                          "env",
                                          "continue-on-error",
                                          "timeout-minutes",
                                          "uses",
                                          "with",
                                          "retry",
                                          "background",
                                          "wait",
                                          "wait-all",
                                          "cancel",
                                          "parallel"};
constexpr std::string_view kNotYetStepKeys[] = {"background", "wait", "wait-all", "cancel",
                                                "parallel"};
constexpr std::string_view kRetryKeys[] = {"max-attempts", "backoff", "on"};
constexpr std::string_view kBackoffKeys[] = {"delay", "factor", "max"};
constexpr std::string_view kRetryClasses[] = {"exit-codes", "timeout", "signal", "log-pattern",
                                              "any"};
constexpr int kMaxRetryAttempts = 100;

bool contains(std::span<const std::string_view> list, std::string_view s) {
  for (auto x : list)
    if (x == s) return true;
  return false;
}

std::optional<double> read_duration(YamlReader& r, const YAML::Node& node, std::string_view what) {
  auto s = r.scalar(node, what);
  if (!s) return std::nullopt;
  auto d = parse_duration_seconds(s->text);
  if (!d) {
    r.diagnostics().error(s->pos, "invalid duration '" + s->text + "' for " + std::string(what),
                          "write seconds (10) or a number with a unit: 500ms, 2s, 1m, 1h");
  }
  return d;
}

bool read_exit_codes(YamlReader& r, const YAML::Node& node, RetryPolicy& p) {
  bool ok = true;
  for (const auto& code : r.string_or_list(node, "'exit-codes' in retry")) {
    int v = 0;
    auto res = std::from_chars(code.text.data(), code.text.data() + code.text.size(), v);
    if (res.ec != std::errc() || res.ptr != code.text.data() + code.text.size() || v < 0 ||
        v > 255) {
      r.diagnostics().error(code.pos, "invalid exit code '" + code.text + "' in retry",
                            "exit codes are integers from 0 to 255");
      ok = false;
      continue;
    }
    p.exit_codes.push_back(v);
  }
  return ok;
}

bool read_retry_class(YamlReader& r, const YAML::Node& item, RetryPolicy& p) {
  const std::string where = "retry 'on'";
  if (item.IsScalar()) {
    const std::string& c = item.Scalar();
    std::optional<FailureClass> named = parse_failure_class(c);
    if (named == FailureClass::kTimeout)
      p.on_timeout = true;
    else if (named == FailureClass::kSignal)
      p.on_signal = true;
    else if (c == "any")
      p.on_any = true;
    else {
      std::string hint = did_you_mean(c, kRetryClasses);
      if (c == "exit-codes" || c == "log-pattern")
        hint = "'" + c + "' takes a value: `- " + c +
               (c == "exit-codes" ? ": [1, 137]`" : ": 'regex'`");
      r.diagnostics().error(
          r.pos(item), "unknown retry failure class '" + c + "'",
          hint.empty() ? "use exit-codes, timeout, signal, log-pattern or any" : hint);
      return false;
    }
    return true;
  }
  if (!item.IsMap()) {
    r.diagnostics().error(
        r.pos(item),
        "expected a failure class in retry 'on', got " + std::string(YamlReader::kind(item)),
        "write `- timeout`, `- signal`, `- any`, `- exit-codes: [1]` or "
        "`- log-pattern: 'regex'`");
    return false;
  }
  bool ok = true;
  for (auto& e : r.entries(item, where, kRetryClasses)) {
    if (e.key == "exit-codes") {
      ok = read_exit_codes(r, e.value, p) && ok;
    } else if (e.key == "log-pattern") {
      auto s = r.scalar(e.value, "'log-pattern' in retry");
      if (!s) {
        ok = false;
        continue;
      }
      if (!p.log_pattern.empty()) {
        r.diagnostics().error(e.key_pos, "retry has more than one 'log-pattern'",
                              "combine them into one regular expression with |");
        ok = false;
        continue;
      }
      if (s->text.empty()) {
        r.diagnostics().error(s->pos, "empty 'log-pattern' in retry",
                              "give a regular expression that matches the failure's output");
        ok = false;
        continue;
      }
      p.log_pattern = s->text;
      p.log_pattern_pos = s->pos;
    } else {
      auto b = r.boolean(e.value, "'" + e.key + "' in retry");
      if (!b) {
        ok = false;
        continue;
      }
      std::optional<FailureClass> named = parse_failure_class(e.key);
      (named == FailureClass::kTimeout  ? p.on_timeout
       : named == FailureClass::kSignal ? p.on_signal
                                        : p.on_any) = *b;
    }
  }
  return ok;
}

bool read_max_attempts(YamlReader& r, const YAML::Node& node, RetryPolicy& p) {
  auto s = r.scalar(node, "'max-attempts' in retry");
  if (!s) return false;
  int v = 0;
  auto res = std::from_chars(s->text.data(), s->text.data() + s->text.size(), v);
  if (res.ec != std::errc() || res.ptr != s->text.data() + s->text.size() || v < 1 ||
      v > kMaxRetryAttempts) {
    r.diagnostics().error(s->pos, "invalid retry max-attempts '" + s->text + "'",
                          "give the total number of attempts, an integer from 1 to " +
                              std::to_string(kMaxRetryAttempts));
    return false;
  }
  p.max_attempts = v;
  return true;
}

}  // namespace

std::optional<ActionRef> read_action_ref(YamlReader& r, const Scalar& uses, std::string_view where,
                                         bool job) {
  const std::string quoted = "'" + uses.text + "' in " + std::string(where);
  auto parsed = parse_action_ref_detailed(uses.text);
  if (auto* error = std::get_if<ActionRefError>(&parsed)) {
    r.diagnostics().error(uses.pos, quoted + " " + error->problem, error->hint);
    return std::nullopt;
  }
  ActionRef& ref = std::get<ActionRef>(parsed);
  if (job && (ref.kind == ActionRef::Kind::kRemoteAction || ref.kind == ActionRef::Kind::kDocker)) {
    r.diagnostics().error(uses.pos, quoted + " is not a reusable workflow",
                          "a job calls a workflow file: "
                          "'owner/repo/.github/workflows/<file>.yml@ref' or "
                          "'./.github/workflows/<file>.yml'; actions are used by steps");
    return std::nullopt;
  }
  if (!job && ref.kind == ActionRef::Kind::kRemoteWorkflow) {
    r.diagnostics().error(uses.pos, quoted + " is a reusable workflow, which a step cannot use",
                          "call it from a job: `jobs.<id>.uses: " + uses.text + "`");
    return std::nullopt;
  }
  return std::move(ref);
}

std::optional<RetryPolicy> read_retry(YamlReader& r, const YAML::Node& node,
                                      std::string_view where) {
  RetryPolicy p;
  p.pos = r.pos(node);
  const std::string what = "retry in " + std::string(where);
  if (node.IsScalar()) {
    if (!read_max_attempts(r, node, p)) return std::nullopt;
    p.on_any = true;
    return p;
  }
  if (!node.IsMap()) {
    r.diagnostics().error(
        p.pos, "expected a number or a mapping for " + what + ", got " + YamlReader::kind(node),
        "write `retry: 3` or `retry: {max-attempts: 3, on: [timeout]}`");
    return std::nullopt;
  }
  bool ok = true;
  bool has_on = false;
  for (auto& e : r.entries(node, what, kRetryKeys)) {
    if (e.key == "max-attempts") {
      ok = read_max_attempts(r, e.value, p) && ok;
    } else if (e.key == "backoff") {
      if (e.value.IsScalar()) {  // `backoff: 10s` is the first delay
        auto d = read_duration(r, e.value, "retry backoff");
        if (d) p.delay_seconds = *d;
        ok = ok && d;
        continue;
      }
      if (!r.expect_map(e.value, "retry backoff",
                        "write `backoff: {delay: 2s, factor: 2, max: 1m}`")) {
        ok = false;
        continue;
      }
      for (auto& b : r.entries(e.value, "retry backoff", kBackoffKeys)) {
        auto d = read_duration(r, b.value, "retry backoff '" + b.key + "'");
        if (!d) {
          ok = false;
          continue;
        }
        if (b.key == "delay")
          p.delay_seconds = *d;
        else if (b.key == "max")
          p.max_delay_seconds = *d;
        else if (*d < 1 || b.value.Scalar().find_first_not_of("0123456789.") != std::string::npos) {
          r.diagnostics().error(
              r.pos(b.value), "invalid retry backoff factor '" + b.value.Scalar() + "'",
              "the factor multiplies the delay after each attempt: a number >= 1");
          ok = false;
        } else {
          p.factor = *d;
        }
      }
    } else if (e.key == "on") {
      has_on = true;
      if (e.value.IsSequence()) {
        for (const auto& item : e.value) ok = read_retry_class(r, item, p) && ok;
      } else {
        ok = read_retry_class(r, e.value, p) && ok;
      }
    }
  }
  if (!has_on) p.on_any = true;
  if (!ok) return std::nullopt;
  return p;
}

Defaults read_defaults(YamlReader& r, const YAML::Node& node, std::string_view where) {
  Defaults d;
  const std::string what = "'defaults' in " + std::string(where);
  if (!r.expect_map(node, what, "write `defaults: {run: {shell: bash}}`")) return d;
  static constexpr std::string_view kKeys[] = {"run"};
  static constexpr std::string_view kRunKeys[] = {"shell", "working-directory"};
  for (auto& e : r.entries(node, what, kKeys)) {
    if (!r.expect_map(e.value, "'defaults.run' in " + std::string(where))) continue;
    for (auto& k : r.entries(e.value, "'defaults.run' in " + std::string(where), kRunKeys)) {
      auto s = r.scalar(k.value, "'" + k.key + "' in defaults.run");
      if (!s) continue;
      (k.key == "shell" ? d.shell : d.working_directory) = std::move(*s);
    }
  }
  return d;
}

std::optional<Concurrency> read_concurrency(YamlReader& r, const YAML::Node& node,
                                            std::string_view where) {
  Concurrency c;
  c.pos = r.pos(node);
  const std::string what = "'concurrency' in " + std::string(where);
  if (node.IsScalar()) {
    c.group = *r.scalar(node, what);
    return c;
  }
  if (!r.expect_map(node, what, "write `concurrency: group-name` or {group, cancel-in-progress}"))
    return std::nullopt;
  static constexpr std::string_view kKeys[] = {"group", "cancel-in-progress", "queue"};
  bool has_group = false;
  for (auto& e : r.entries(node, what, kKeys)) {
    if (e.key == "group") {
      auto s = r.scalar(e.value, "'group' in " + what);
      if (s) c.group = std::move(*s), has_group = true;
    } else if (e.key == "cancel-in-progress") {
      c.cancel_in_progress = r.bool_or_expr(e.value, "'cancel-in-progress'");
    } else {
      auto queue = r.scalar(e.value, "'queue' in " + what);
      if (queue && (queue->text == "single" || queue->text == "max")) {
        c.queue_all = queue->text == "max";
      } else if (queue) {
        r.diagnostics().error(
            queue->pos,
            "'queue' in " + what + " must be 'single' or 'max', not '" + queue->text + "'",
            "single: one waits and a newer one replaces it; max: all wait, first come first "
            "served");
      }
    }
  }
  if (!has_group) {
    r.diagnostics().error(c.pos, what + " has no 'group'", "add `group: <name>`");
    return std::nullopt;
  }
  if (c.queue_all && c.cancel_in_progress && c.cancel_in_progress->text == "true") {
    r.diagnostics().error(
        c.pos, what + ": 'queue: max' cannot be combined with 'cancel-in-progress: true'",
        "a run that cancels the one in progress leaves nothing to queue behind");
  }
  return c;
}

void report_container_key(YamlReader& r, std::string_view key, const SourcePos& pos,
                          std::string_view where) {
  std::string hint = "remove it and install the tools the job needs on the runner machine";
  r.diagnostics().error(pos,
                        "'" + std::string(key) + "' in " + std::string(where) +
                            " needs a container runtime, which sluice does not use",
                        hint);
}

namespace {

Step read_step(YamlReader& r, const YAML::Node& node, const std::string& where, bool composite,
               bool& ok) {
  Step s;
  s.pos = r.pos(node);
  std::optional<SourcePos> with_pos, shell_pos, run_pos;
  bool run_is_null = false;  // `run:` with no value, as opposed to `run: ""`
  for (auto& e : r.entries(node, where, kStepKeys)) {
    const std::string what = "'" + e.key + "' in " + where;
    if (contains(kNotYetStepKeys, e.key)) {
      r.diagnostics().error(e.key_pos, what + " is not supported by sluice yet",
                            "run the work in the foreground, or split it into parallel jobs");
    } else if (e.key == "id") {
      if (auto v = r.string(e.value, what)) s.id = *v, s.id_pos = r.pos(e.value);
    } else if (e.key == "name") {
      s.name = r.scalar(e.value, what);
    } else if (e.key == "if") {
      s.if_condition = r.scalar(e.value, what);
    } else if (e.key == "run") {
      s.run = r.scalar(e.value, what);
      run_pos = e.key_pos;
      run_is_null = e.value.IsNull();
    } else if (e.key == "shell") {
      s.shell = r.scalar(e.value, what);
      shell_pos = e.key_pos;
    } else if (e.key == "working-directory") {
      s.working_directory = r.scalar(e.value, what);
    } else if (e.key == "env") {
      s.env = r.scalar_map(e.value, what);
    } else if (e.key == "continue-on-error") {
      s.continue_on_error = r.bool_or_expr(e.value, what);
    } else if (e.key == "timeout-minutes") {
      s.timeout_minutes = r.number_or_expr(e.value, what);
    } else if (e.key == "uses") {
      s.uses = r.scalar(e.value, what);
      if (s.uses) s.action = read_action_ref(r, *s.uses, where, false);
    } else if (e.key == "with") {
      s.with = r.scalar_map(e.value, what);
      with_pos = e.key_pos;
    } else if (e.key == "retry") {
      s.retry = read_retry(r, e.value, where);
    }
  }
  if (s.run && s.uses) {
    r.diagnostics().error(
        s.pos, where + " has both 'run' and 'uses'",
        "a step either runs a command or uses an action: split it into two steps");
    ok = false;
  } else if (!s.run && !s.uses) {
    r.diagnostics().error(s.pos, where + " has neither 'run' nor 'uses'",
                          "add `run: <command>` or `uses: <action>`");
    ok = false;
  }
  if (s.run && run_is_null) {
    r.diagnostics().error(*run_pos, "'run' in " + where + " is empty", "give the command to run");
  } else if (s.run && s.run->text.find_first_not_of(" \t\n") == std::string::npos) {
    // GitHub accepts `run: ""` and runs it as an empty script, which succeeds; workflows use
    // such steps as labels (a name showing other steps' outcomes).
    r.diagnostics().warning(*run_pos, "'run' in " + where + " is empty: the step does nothing",
                            "give the command to run, or remove the step");
  }
  if (s.run && with_pos) {
    r.diagnostics().error(*with_pos, "'with' in " + where + " is only for 'uses' steps",
                          "pass values to a command with 'env' instead");
  }
  if (s.uses && shell_pos) {
    r.diagnostics().error(*shell_pos, "'shell' in " + where + " is only for 'run' steps",
                          "remove 'shell'; the action decides how it runs");
  }
  if (composite && s.run && !s.shell) {
    r.diagnostics().error(
        s.pos, where + " has 'run' but no 'shell'",
        "composite actions must name the shell of each run step: add `shell: bash`");
  }
  return s;
}

}  // namespace

std::vector<Step> read_steps(YamlReader& r, const YAML::Node& node, std::string_view job_where,
                             bool composite) {
  std::vector<Step> steps;
  if (!r.expect_seq(node, "'steps' in " + std::string(job_where),
                    "write each step as a `- run: ...` or `- uses: ...` item"))
    return steps;
  int index = 0;
  for (const auto& item : node) {
    ++index;
    std::string where = "step " + std::to_string(index) + " of " + std::string(job_where);
    if (!r.expect_map(item, where, "write `- run: <command>` or `- uses: <action>`")) continue;
    bool ok = true;
    steps.push_back(read_step(r, item, where, composite, ok));
  }
  return steps;
}

}  // namespace sluice::spec::detail
