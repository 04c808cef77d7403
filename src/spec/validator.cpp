// validate_workflow: checks across nodes (ids, the needs graph, steps, schedules, retry).
// Expressions, matrices and calls to other files have their own files (validator_parts.h).
#include "spec/validator.h"

#include <re2/re2.h>

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "spec/suggest.h"
#include "spec/validator_parts.h"
#include "triggers/cron.h"

namespace sluice::spec {

namespace detail {

bool is_valid_id(std::string_view id) {
  if (id.empty()) return false;
  auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
  if (!alpha(id[0])) return false;
  return std::all_of(id.begin(), id.end(),
                     [&](char c) { return alpha(c) || (c >= '0' && c <= '9') || c == '-'; });
}

}  // namespace detail

namespace {

constexpr size_t kMaxLogPatternLength = 4096;
constexpr std::string_view kShells[] = {"bash", "sh", "python", "pwsh", "powershell", "cmd"};
const char* kIdRule =
    "ids start with a letter or '_' and contain only letters, digits, '-' and '_'";

void check_job_ids(const Workflow& wf, Diagnostics& d) {
  for (const auto& job : wf.jobs) {
    if (!detail::is_valid_id(job.id))
      d.error(job.pos, "invalid job id '" + job.id + "'", std::string("job ") + kIdRule);
  }
}

void check_needs(const Workflow& wf, Diagnostics& d) {
  std::vector<std::string> ids;
  for (const auto& j : wf.jobs) ids.push_back(j.id);
  const std::unordered_set<std::string> known(ids.begin(), ids.end());
  for (const auto& job : wf.jobs) {
    std::set<std::string> seen;
    for (const auto& need : job.needs) {
      if (!seen.insert(need.text).second) {
        d.error(need.pos, "job '" + job.id + "' lists '" + need.text + "' twice in 'needs'",
                "remove the duplicate");
      } else if (need.text == job.id) {
        d.error(need.pos, "job '" + job.id + "' needs itself",
                "remove '" + job.id + "' from its 'needs'");
      } else if (!known.count(need.text)) {
        std::string hint = closest_match(need.text, std::span<const std::string>(ids));
        d.error(need.pos, "job '" + job.id + "' needs unknown job '" + need.text + "'",
                hint.empty() ? "jobs in this workflow: " +
                                   [&] {
                                     std::string s;
                                     for (auto& i : ids) s += (s.empty() ? "" : ", ") + i;
                                     return s;
                                   }()
                             : "did you mean '" + hint + "'?");
      }
    }
  }
}

// Depth-first search over `needs`; every back edge closes a cycle, printed in order.
void check_cycles(const Workflow& wf, Diagnostics& d) {
  std::unordered_map<std::string, int> index;
  for (size_t i = 0; i < wf.jobs.size(); ++i) index[wf.jobs[i].id] = static_cast<int>(i);
  enum Color { kWhite, kGray, kBlack };
  std::vector<Color> color(wf.jobs.size(), kWhite);
  std::vector<int> stack;
  // Iterative DFS: each frame is (job, next needs index), so deep graphs cannot overflow.
  for (size_t root = 0; root < wf.jobs.size(); ++root) {
    if (color[root] != kWhite) continue;
    std::vector<std::pair<int, size_t>> frames{{static_cast<int>(root), 0}};
    color[root] = kGray;
    stack.push_back(static_cast<int>(root));
    while (!frames.empty()) {
      auto& [job, next] = frames.back();
      const auto& needs = wf.jobs[job].needs;
      if (next >= needs.size()) {
        color[job] = kBlack;
        stack.pop_back();
        frames.pop_back();
        continue;
      }
      const Scalar& need = needs[next++];
      auto it = index.find(need.text);
      if (it == index.end() || it->second == job) continue;  // reported by check_needs
      int target = it->second;
      if (color[target] == kGray) {
        std::string cycle;
        auto from = std::find(stack.begin(), stack.end(), target);
        for (auto s = from; s != stack.end(); ++s) cycle += wf.jobs[*s].id + " -> ";
        cycle += wf.jobs[target].id;
        d.error(need.pos, "cycle in 'needs': " + cycle,
                "remove one of these dependencies so the jobs can run in order");
      } else if (color[target] == kWhite) {
        color[target] = kGray;
        stack.push_back(target);
        frames.emplace_back(target, 0);
      }
    }
  }
}

void check_shell(const std::optional<Scalar>& shell, const std::string& where, Diagnostics& d) {
  if (!shell || shell->text.find("${{") != std::string::npos) return;
  const std::string& s = shell->text;
  if (std::find(std::begin(kShells), std::end(kShells), s) != std::end(kShells)) return;
  if (s.find("{0}") != std::string::npos) return;
  std::string other = "a command containing {0} runs any other shell, e.g. '" + s + " {0}'";
  std::string close = did_you_mean(s, kShells);
  d.error(shell->pos, "unknown shell '" + s + "' in " + where,
          close.empty() ? "use bash, sh, python or pwsh; " + other : close + " " + other);
}

void check_retry(const std::optional<RetryPolicy>& retry, const std::string& where,
                 Diagnostics& d) {
  if (!retry || retry->log_pattern.empty()) return;
  if (retry->log_pattern.size() > kMaxLogPatternLength) {
    d.error(retry->pos,
            "retry log-pattern in " + where + " is longer than " +
                std::to_string(kMaxLogPatternLength) + " characters",
            "match a shorter, distinctive part of the failure's output");
    return;
  }
  RE2::Options opts;
  opts.set_log_errors(false);
  RE2 re(retry->log_pattern, opts);
  if (!re.ok()) {
    d.error(
        retry->log_pattern_pos.line > 0 ? retry->log_pattern_pos : retry->pos,
        "invalid retry log-pattern '" + retry->log_pattern + "' in " + where + ": " + re.error(),
        "log-pattern is an RE2 regular expression (no backreferences or lookaround)");
  }
}

void check_job(const Job& job, Diagnostics& d) {
  const std::string where = "job '" + job.id + "'";
  check_shell(job.defaults.shell, "'defaults' of " + where, d);
  check_retry(job.retry, where, d);
  std::map<std::string, const Step*> ids;
  for (size_t i = 0; i < job.steps.size(); ++i) {
    const Step& step = job.steps[i];
    const std::string step_where = "step " + std::to_string(i + 1) + " of " + where;
    check_shell(step.shell, step_where, d);
    check_retry(step.retry, step_where, d);
    if (step.id.empty()) continue;
    if (!detail::is_valid_id(step.id)) {
      d.error(step.id_pos, "invalid step id '" + step.id + "' in " + step_where,
              std::string("step ") + kIdRule);
      continue;
    }
    auto [it, inserted] = ids.emplace(step.id, &step);
    if (!inserted) {
      d.error(step.id_pos, "duplicate step id '" + step.id + "' in " + where,
              "step ids must be unique within a job; the first is at line " +
                  std::to_string(it->second->id_pos.line));
    }
  }
}

void check_schedules(const Workflow& wf, Diagnostics& d) {
  for (const auto& cron : wf.on.schedules) {
    auto parsed = triggers::CronSchedule::parse(cron.text);
    if (parsed.ok()) continue;
    int column = parsed.error().pos.column;
    d.error(column > 0 ? cron.pos_at(static_cast<size_t>(column - 1)) : cron.pos,
            "invalid cron expression '" + cron.text + "': " + parsed.error().message,
            "cron has 5 fields: minute hour day-of-month month day-of-week, e.g. '0 10 1 * *'");
  }
}

}  // namespace

void validate_workflow(const Workflow& workflow, const ValidateOptions& options,
                       Diagnostics& diagnostics) {
  check_job_ids(workflow, diagnostics);
  check_needs(workflow, diagnostics);
  check_cycles(workflow, diagnostics);
  check_shell(workflow.defaults.shell, "'defaults' of the workflow", diagnostics);
  for (const auto& job : workflow.jobs) {
    check_job(job, diagnostics);
    detail::check_matrix(job, diagnostics);
  }
  check_schedules(workflow, diagnostics);
  detail::check_expressions(workflow, diagnostics);
  detail::check_action_origins(workflow, options, diagnostics);
  if (!options.repo_root.empty()) {
    detail::check_calls(workflow, options, diagnostics);
    check_call_cycles(workflow, options.repo_root, diagnostics);
  }
}

}  // namespace sluice::spec
