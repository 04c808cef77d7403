// Expression checks: syntax of every `${{ }}` (and every `if:`), the contexts each place
// may read (GitHub's table in the workflow schema), and references to names that do not
// exist: inputs, needs, steps, matrix axes, jobs.
#include <algorithm>

#include "expr/expression.h"
#include "spec/suggest.h"
#include "spec/validator_parts.h"

namespace sluice::spec::detail {

namespace {

enum Context : unsigned {
  kGithub = 1 << 0,
  kEnv = 1 << 1,
  kVars = 1 << 2,
  kSecrets = 1 << 3,
  kInputs = 1 << 4,
  kNeeds = 1 << 5,
  kMatrix = 1 << 6,
  kStrategy = 1 << 7,
  kSteps = 1 << 8,
  kJob = 1 << 9,
  kJobs = 1 << 10,
  kRunner = 1 << 11,
};
constexpr std::string_view kContextNames[] = {"github", "env",   "vars",   "secrets",
                                              "inputs", "needs", "matrix", "strategy",
                                              "steps",  "job",   "jobs",   "runner"};

// The allowed contexts of each place (../shared/reference/github-actions-syntax.md §3.5).
constexpr unsigned kRunName = kGithub | kInputs | kVars;
constexpr unsigned kWorkflowEnv = kRunName | kSecrets;
constexpr unsigned kJobIf = kGithub | kInputs | kVars | kNeeds;
constexpr unsigned kJobStrategy = kJobIf;
constexpr unsigned kJobGeneral = kJobIf | kStrategy | kMatrix;
constexpr unsigned kJobEnv = kJobGeneral | kSecrets;
constexpr unsigned kJobDefaults = kJobGeneral | kEnv;
constexpr unsigned kJobOutputs = kJobGeneral | kSecrets | kSteps | kJob | kRunner | kEnv;
constexpr unsigned kEnvironmentUrl = kJobOutputs & ~kSecrets;
constexpr unsigned kStepIf = kJobGeneral | kSteps | kJob | kRunner | kEnv;
constexpr unsigned kStepGeneral = kStepIf | kSecrets;
constexpr unsigned kCallOutputs = kGithub | kInputs | kVars | kJobs;

struct Place {
  std::string what;  // "'run' in step 2 of job 'a'"
  unsigned contexts = 0;
  const Job* job = nullptr;
  // steps.<id> may name steps before this index; SIZE_MAX: every step of the job.
  size_t visible_steps = 0;
};

std::string list_contexts(unsigned mask) {
  std::string s;
  for (size_t i = 0; i < std::size(kContextNames); ++i)
    if (mask & (1u << i)) s += (s.empty() ? "" : ", ") + std::string(kContextNames[i]);
  return s;
}

// Drops the parser's " at column N" suffix: the diagnostic's position says where.
std::string strip_column(std::string message) {
  auto at = message.rfind(" at column ");
  if (at != std::string::npos &&
      message.find_first_not_of("0123456789", at + 11) == std::string::npos)
    message.erase(at);
  return message;
}

bool contains_ci(const std::vector<std::string>& names, const std::string& name) {
  return std::any_of(names.begin(), names.end(),
                     [&](const std::string& n) { return iequals(n, name); });
}

std::string suggestion(const std::string& word, const std::vector<std::string>& names,
                       std::string fallback) {
  std::string m = closest_match(word, std::span<const std::string>(names));
  return m.empty() ? fallback : "did you mean '" + m + "'?";
}

class Checker {
 public:
  Checker(const Workflow& wf, Diagnostics& d) : wf_(wf), d_(d) {
    for (const auto& in : wf.on.dispatch_inputs) inputs_.push_back(in.id);
    for (const auto& in : wf.on.call_inputs)
      if (!contains_ci(inputs_, in.id)) inputs_.push_back(in.id);
    for (const auto& j : wf.jobs) jobs_.push_back(j.id);
  }

  void run();

 private:
  void check(const std::optional<Scalar>& s, const Place& p) {
    if (s) check(*s, p);
  }
  void check(const Scalar& s, const Place& p);
  void check_condition(const std::optional<Scalar>& s, const Place& p);
  void check_map(const ScalarMap& map, const std::string& key, const std::string& where,
                 unsigned contexts, const Job* job = nullptr, size_t visible = 0);
  void check_value(const Value& v, const SourcePos& pos, const Place& p, int budget);
  void check_references(const expr::Expression& e, const Scalar& s, size_t start, const Place& p);
  void check_job(const Job& job);

  const Workflow& wf_;
  Diagnostics& d_;
  std::vector<std::string> inputs_, jobs_;
};

void Checker::check(const Scalar& s, const Place& p) {
  if (s.text.find("${{") == std::string::npos) return;
  auto tmpl = expr::parse_template(s.text);
  if (!tmpl.ok()) {
    int col = tmpl.error().pos.column;
    d_.error(col > 0 ? s.pos_at(static_cast<size_t>(col - 1)) : s.pos,
             "invalid expression in " + p.what + ": " + strip_column(tmpl.error().message),
             "expressions use 'single-quoted' strings, == != && || ! and functions such as "
             "contains(); see docs/workflow-syntax.md");
    return;
  }
  for (const auto& part : tmpl->parts) {
    if (!part.is_expression) continue;
    check_references(part.expression, s, static_cast<size_t>(std::max(part.column - 1, 0)), p);
  }
}

void Checker::check_condition(const std::optional<Scalar>& s, const Place& p) {
  if (!s) return;
  auto e = expr::parse_condition(s->text);
  if (!e.ok()) {
    int col = e.error().pos.column;
    d_.error(
        col > 0 ? s->pos_at(static_cast<size_t>(col - 1)) : s->pos,
        "invalid expression in " + p.what + ": " + strip_column(e.error().message),
        "write a condition such as `github.ref == 'refs/heads/main'` (${{ }} is optional in 'if')");
    return;
  }
  // `if: ${{ a }} || ${{ b }}` is text around expressions: a non-empty string, always true.
  std::string_view t = s->text;
  while (!t.empty() && (t.front() == ' ')) t.remove_prefix(1);
  while (!t.empty() && (t.back() == ' ' || t.back() == '\n')) t.remove_suffix(1);
  if (t.find("${{") != std::string_view::npos &&
      (!t.starts_with("${{") || !t.ends_with("}}") || t.find("${{", 3) != std::string_view::npos)) {
    d_.warning(s->pos,
               p.what + " mixes text with ${{ }}, so it is a non-empty string and always true",
               "put the whole condition inside one ${{ }}, or leave ${{ }} out");
  }
  check_references(*e, *s, 0, p);
}

// Position of `needle` (e.g. "inputs.nmae") in the scalar, searched case-insensitively from
// `start` (the expression's `${{`); the expression's start when not found.
SourcePos find_in(const Scalar& s, size_t start, const std::string& needle) {
  std::string lower = to_lower(s.text);
  size_t at = lower.find(to_lower(needle), std::min(start, lower.size()));
  return s.pos_at(at == std::string::npos ? start : at);
}

void Checker::check_references(const expr::Expression& e, const Scalar& s, size_t start,
                               const Place& p) {
  // Member by member: `matrix['a.b']` reads the axis "a.b", not "a".
  for (const auto& parts : expr::referenced_member_paths(e)) {
    const SourcePos pos =
        find_in(s, start, parts.size() > 1 ? parts[0] + "." + parts[1] : parts[0]);
    std::string context = to_lower(parts[0]);
    auto it = std::find(std::begin(kContextNames), std::end(kContextNames), context);
    if (it == std::end(kContextNames)) {
      d_.error(pos, "unknown context '" + parts[0] + "' in " + p.what,
               did_you_mean(context, kContextNames,
                            "contexts available here: " + list_contexts(p.contexts)));
      continue;
    }
    unsigned bit = 1u << (it - std::begin(kContextNames));
    if (!(p.contexts & bit)) {
      d_.error(pos, "context '" + context + "' is not available in " + p.what,
               "available here: " + list_contexts(p.contexts));
      continue;
    }
    if (parts.size() < 2) continue;
    const std::string& name = parts[1];
    if (bit == kInputs && !contains_ci(inputs_, name)) {
      d_.error(
          pos, "'inputs." + name + "' in " + p.what + " is not a declared input",
          suggestion(
              name, inputs_,
              "declare it under `on: workflow_dispatch: inputs:` or `on: workflow_call: inputs:`"));
    } else if (bit == kNeeds && p.job) {
      std::vector<std::string> needs;
      for (const auto& n : p.job->needs) needs.push_back(n.text);
      if (!contains_ci(needs, name)) {
        std::string hint = suggestion(name, needs, "");
        if (hint.empty())
          hint = wf_.find_job(name) ? "add `needs: " + name + "` to job '" + p.job->id + "'"
                                    : "'needs' of job '" + p.job->id + "' lists: " + [&] {
                                        std::string s;
                                        for (auto& n : needs) s += (s.empty() ? "" : ", ") + n;
                                        return s.empty() ? std::string("nothing") : s;
                                      }();
        d_.error(pos,
                 "'needs." + name + "' in " + p.what + " refers to a job that job '" + p.job->id +
                     "' does not need",
                 hint);
      }
    } else if (bit == kSteps && p.job) {
      std::vector<std::string> ids;
      for (size_t i = 0; i < p.job->steps.size() && i < p.visible_steps; ++i)
        if (!p.job->steps[i].id.empty()) ids.push_back(p.job->steps[i].id);
      if (!contains_ci(ids, name)) {
        bool later = std::any_of(p.job->steps.begin(), p.job->steps.end(),
                                 [&](const Step& s) { return iequals(s.id, name); });
        d_.error(pos, "'steps." + name + "' in " + p.what + " refers to no earlier step",
                 later ? "step '" + name + "' runs later; a step can only read steps before it"
                       : suggestion(name, ids, "give an earlier step `id: " + name + "`"));
      }
    } else if (bit == kMatrix && p.job) {
      std::vector<std::string> keys;
      if (!static_matrix_keys(*p.job, keys)) continue;
      // A warning, as GitHub runs such files: the value is empty at run time.
      if (!contains_ci(keys, name)) {
        d_.warning(pos,
                   "'matrix." + name + "' in " + p.what + " is not a matrix axis of job '" +
                       p.job->id + "' (it is empty at run time)",
                   keys.empty() ? "job '" + p.job->id + "' has no matrix; add `strategy: matrix:`"
                                : suggestion(
                                      name, keys, "axes: " + [&] {
                                        std::string s;
                                        for (auto& k : keys) s += (s.empty() ? "" : ", ") + k;
                                        return s;
                                      }()));
      }
    } else if (bit == kJobs && !contains_ci(jobs_, name)) {
      d_.error(pos, "'jobs." + name + "' in " + p.what + " refers to an unknown job",
               suggestion(name, jobs_, "name a job of this workflow"));
    }
  }
}

void Checker::check_map(const ScalarMap& map, const std::string& key, const std::string& where,
                        unsigned contexts, const Job* job, size_t visible) {
  for (const auto& [name, value] : map)
    check(value, Place{"'" + key + "." + name + "' of " + where, contexts, job, visible});
}

void Checker::check_value(const Value& v, const SourcePos& pos, const Place& p, int budget) {
  if (budget <= 0) return;  // the loader bounds depth; this is belt and braces
  if (v.is_string()) {
    check(Scalar{v.as_string(), pos}, p);
  } else if (v.is_array()) {
    for (const auto& item : v.as_array()) check_value(item, pos, p, budget - 1);
  } else if (v.is_object()) {
    for (const auto& [k, item] : v.as_object()) check_value(item, pos, p, budget - 1);
  }
}

void Checker::check_job(const Job& job) {
  const std::string where = "job '" + job.id + "'";
  auto at = [&](const std::string& key, unsigned contexts, size_t visible = 0) {
    return Place{"'" + key + "' of " + where, contexts, &job, visible};
  };
  check(job.name, at("name", kJobGeneral));
  check_condition(job.if_condition, at("if", kJobIf));
  for (const auto& label : job.runs_on) check(label, at("runs-on", kJobGeneral));
  check(job.runs_on_group, at("runs-on", kJobGeneral));
  if (job.environment) {
    check(job.environment->name, at("environment", kJobGeneral));
    check(job.environment->url, at("environment.url", kEnvironmentUrl, SIZE_MAX));
  }
  if (job.concurrency) {
    check(job.concurrency->group, at("concurrency", kJobGeneral));
    check(job.concurrency->cancel_in_progress, at("concurrency", kJobGeneral));
  }
  check_map(job.outputs, "outputs", where, kJobOutputs, &job, SIZE_MAX);
  check_map(job.env, "env", where, kJobEnv, &job);
  check(job.defaults.shell, at("defaults.run.shell", kJobDefaults));
  check(job.defaults.working_directory, at("defaults.run.working-directory", kJobDefaults));
  check(job.timeout_minutes, at("timeout-minutes", kJobGeneral));
  check(job.continue_on_error, at("continue-on-error", kJobGeneral));
  if (job.strategy.matrix)
    check_value(*job.strategy.matrix, job.strategy.matrix_pos, at("strategy", kJobStrategy), 256);
  check(job.strategy.fail_fast, at("strategy", kJobStrategy));
  check(job.strategy.max_parallel, at("strategy", kJobStrategy));
  check_map(job.with, "with", where, kJobGeneral, &job);
  check_map(job.secrets, "secrets", where, kJobEnv, &job);
  for (size_t i = 0; i < job.steps.size(); ++i) {
    const Step& s = job.steps[i];
    const std::string sw = "step " + std::to_string(i + 1) + " of " + where;
    auto sp = [&](const std::string& key, unsigned contexts) {
      return Place{"'" + key + "' in " + sw, contexts, &job, i};
    };
    check(s.name, sp("name", kStepGeneral));
    check_condition(s.if_condition, sp("if", kStepIf));
    check(s.run, sp("run", kStepGeneral));
    check(s.working_directory, sp("working-directory", kStepGeneral));
    check(s.continue_on_error, sp("continue-on-error", kStepGeneral));
    check(s.timeout_minutes, sp("timeout-minutes", kStepGeneral));
    check(s.shell, sp("shell", kStepGeneral));
    check_map(s.env, "env", sw, kStepGeneral, &job, i);
    check_map(s.with, "with", sw, kStepGeneral, &job, i);
  }
}

void Checker::run() {
  check(wf_.run_name, Place{"'run-name'", kRunName});
  check_map(wf_.env, "env", "the workflow", kWorkflowEnv);
  if (wf_.concurrency) {
    check(wf_.concurrency->group, Place{"'concurrency' of the workflow", kRunName});
    check(wf_.concurrency->cancel_in_progress, Place{"'concurrency' of the workflow", kRunName});
  }
  for (const auto& [name, value] : wf_.on.call_outputs)
    check(value, Place{"output '" + name + "' of workflow_call", kCallOutputs});
  for (const auto& in : wf_.on.call_inputs)
    if (in.default_value && in.default_value->is_string())
      check(Scalar{in.default_value->as_string(), in.pos},
            Place{"the default of input '" + in.id + "'", kRunName});
  for (const auto& job : wf_.jobs) check_job(job);
}

}  // namespace

void check_expressions(const Workflow& workflow, Diagnostics& diagnostics) {
  Checker(workflow, diagnostics).run();
}

}  // namespace sluice::spec::detail
