#include "engine/engine.h"

#include <set>

#include "core/json.h"
#include "engine/job_run.h"
#include "engine/retry.h"
#include "engine/scalar_value.h"
#include "expr/expression.h"
#include "plan/matrix.h"

namespace sluice::engine {

struct Engine::JobNode {
  const plan::PlannedJob* planned = nullptr;
  RunStatus status = RunStatus::kQueued;
  bool selected = true;  // --job: false for jobs outside the selection
  bool continue_on_error = false;
  bool fail_fast = true;
  int max_parallel = 0;  // 0: unlimited
  int running = 0;
  std::vector<Value> combos;                     // one null Value for a job without a matrix
  std::vector<JobRecord> records;                // per combination
  std::vector<std::unique_ptr<JobRun>> runs;     // per combination; null until started
  std::vector<std::unique_ptr<JobRun>> retired;  // earlier attempts, kept for their records
  std::vector<bool> waiting_retry;
  std::vector<std::string> groups;  // concurrency group per combination
  Value outputs = Value::object();
  Value inputs = Value::object();   // caller jobs: `with:` evaluated, the inputs of inner jobs
  Value secrets = Value::object();  // caller jobs: the secrets inner jobs see
  JobRecord record;                 // the node's own record (callers, skipped jobs)
};

namespace {

bool failed(RunStatus s) {
  return s == RunStatus::kFailure || s == RunStatus::kTimedOut;
}

}  // namespace

Engine::Engine(const plan::RunPlan& plan, RunContext& context) : plan_(plan), context_(context) {
  for (const plan::PlannedJob& job : plan.jobs) {
    auto n = std::make_unique<JobNode>();
    n->planned = &job;
    nodes_.push_back(std::move(n));
  }
  const std::string& only = context_.options.only_job;
  if (!only.empty()) {
    std::set<std::string> keep;
    std::vector<std::string> todo{only};
    while (!todo.empty()) {
      std::string key = todo.back();
      todo.pop_back();
      if (!keep.insert(key).second) continue;
      if (const plan::PlannedJob* p = plan.find(key)) {
        for (const auto& need : p->needs) todo.push_back(need);
        for (const auto& inner : p->inner_keys) todo.push_back(inner);
      }
    }
    for (auto& n : nodes_) n->selected = keep.count(n->planned->key) > 0;
  }
}

Engine::~Engine() = default;

Engine::JobNode* Engine::node(const std::string& key) {
  for (auto& n : nodes_)
    if (n->planned->key == key) return n.get();
  return nullptr;
}

const Engine::JobNode* Engine::node(const std::string& key) const {
  return const_cast<Engine*>(this)->node(key);
}

Status Engine::start(RunRecord run) {
  run_ = std::move(run);
  run_.status = RunStatus::kRunning;
  run_.created_ms = run_.started_ms = context_.clock.now_ms();
  if (auto s = context_.store.create_run(run_); !s.ok()) return s;
  context_.options.github.set("run_id", std::to_string(run_.id));
  context_.options.github.set("run_number", std::to_string(run_.run_number));
  if (context_.observer) context_.observer->on_run(run_);
  // Workflow-level env: contexts github, inputs, vars, secrets.
  expr::EvalContext ctx;
  ctx.contexts.set("github", context_.options.github);
  ctx.contexts.set("inputs", context_.options.inputs);
  ctx.contexts.set("vars", context_.options.vars);
  ctx.contexts.set("secrets", context_.options.secrets);
  for (const auto& [k, v] : plan_.workflow->env) {
    auto value = evaluate_scalar(v.text, ctx);
    workflow_env_[k] = value.ok() ? value->to_string() : "";
  }
  for (auto& n : nodes_) {
    n->record.run_id = run_.id;
    n->record.key = n->planned->key;
    n->record.job_id = n->planned->job_id;
    n->record.name = n->planned->key;
    if (n->selected) save_job(n->record);
  }
  schedule();
  return Status::Ok();
}

void Engine::save_job(const JobRecord& record) {
  if (auto s = context_.store.save_job(record); !s.ok()) context_.report_error(s.error().message);
  if (context_.observer) context_.observer->on_job(record);
}

void Engine::cancel() {
  if (cancelled_ || finished_) return;
  cancelled_ = true;
  for (auto& n : nodes_)
    for (auto& r : n->runs)
      if (r && !r->finished()) r->cancel(false);
  schedule();
}

bool Engine::needs_done(const JobNode& n) const {
  for (const std::string& key : n.planned->needs) {
    const JobNode* need = node(key);
    if (need && !is_terminal(need->status)) return false;
  }
  return true;
}

bool Engine::any_ancestor_failed(const JobNode& n) const {
  for (const std::string& key : n.planned->needs) {
    const JobNode* need = node(key);
    if (!need) continue;
    if ((failed(need->status) && !need->continue_on_error) || any_ancestor_failed(*need))
      return true;
  }
  return false;
}

Value Engine::needs_context(const JobNode& n) const {
  Value needs = Value::object();
  for (const std::string& key : n.planned->needs) {
    const JobNode* need = node(key);
    if (!need) continue;
    Value entry = Value::object();
    bool allowed = failed(need->status) && need->continue_on_error;
    entry.set("result", allowed ? "success" : github_result(need->status));
    entry.set("outputs", need->outputs);
    needs.set(need->planned->job_id, entry);
  }
  return needs;
}

Value Engine::inputs_for(const JobNode& n) const {
  if (n.planned->caller_key.empty()) return context_.options.inputs;
  const JobNode* caller = node(n.planned->caller_key);
  return caller ? caller->inputs : Value::object();
}

// Re-entrant calls (a job finishing synchronously while we start it) only request
// another pass; the outermost call loops until nothing changes.
void Engine::schedule() {
  if (scheduling_) {
    reschedule_ = true;
    return;
  }
  scheduling_ = true;
  do {
    reschedule_ = false;
    for (auto& n : nodes_) {
      if (n->status != RunStatus::kQueued) continue;
      if (!n->selected) {
        n->status = RunStatus::kSkipped;
        continue;
      }
      if (!needs_done(*n)) continue;
      if (!n->planned->caller_key.empty()) {
        JobNode* caller = node(n->planned->caller_key);
        if (caller && caller->status == RunStatus::kQueued) continue;
        if (caller && caller->status != RunStatus::kRunning) {
          finish_node(
              *n,
              caller->status == RunStatus::kCancelled ? RunStatus::kCancelled : RunStatus::kSkipped,
              "the calling job did not run");
          continue;
        }
      }
      evaluate_ready(*n);
    }
    start_instances();
    // Caller jobs finish when all their inner jobs have.
    for (auto& n : nodes_) {
      if (n->status != RunStatus::kRunning || !n->planned->is_caller()) continue;
      bool done = true;
      for (const std::string& key : n->planned->inner_keys)
        done = done && is_terminal(node(key)->status);
      if (done) {
        finish_caller(*n);
        reschedule_ = true;  // jobs that need the caller may be ready now
      }
    }
  } while (reschedule_);
  scheduling_ = false;
  maybe_finish_run();
}

expr::EvalContext Engine::job_context(const JobNode& n) const {
  expr::EvalContext ctx;
  ctx.contexts.set("github", context_.options.github);
  ctx.contexts.set("inputs", inputs_for(n));
  ctx.contexts.set("vars", context_.options.vars);
  ctx.contexts.set("needs", needs_context(n));
  ctx.status.failed = any_ancestor_failed(n);
  ctx.status.cancelled = cancelled_;
  ctx.workspace = context_.options.workspace;
  return ctx;
}

void Engine::evaluate_ready(JobNode& n) {
  const spec::Job& job = *n.planned->job;
  expr::EvalContext ctx = job_context(n);
  std::string condition = job.if_condition ? job.if_condition->text : "";
  auto parsed = expr::parse_condition(condition);
  if (!parsed.ok()) {
    finish_node(n, RunStatus::kFailure, "invalid if: " + parsed.error().message);
    return;
  }
  if (!parsed->uses_status_function || condition.empty()) {
    // Default success(): every needed job must have succeeded.
    for (const std::string& key : n.planned->needs) {
      const JobNode* need = node(key);
      bool ok =
          need->status == RunStatus::kSuccess || (failed(need->status) && need->continue_on_error);
      if (!ok) {
        finish_node(n, cancelled_ ? RunStatus::kCancelled : RunStatus::kSkipped,
                    "needed job '" + need->planned->job_id + "' " + github_result(need->status));
        return;
      }
    }
  }
  auto run = expr::evaluate_condition(*parsed, ctx);
  if (!run.ok() || !*run) {
    finish_node(n, cancelled_ ? RunStatus::kCancelled : RunStatus::kSkipped,
                run.ok() ? (cancelled_ ? "run cancelled" : "if: condition was false")
                         : run.error().message);
    return;
  }
  if (job.continue_on_error) {
    auto v = evaluate_scalar(job.continue_on_error->text, ctx);
    n.continue_on_error = v.ok() && v->truthy();
  }
  if (n.planned->is_caller()) {
    start_caller(n, ctx);
    return;
  }
  if (!expand(n, ctx)) return;
  n.status = RunStatus::kRunning;
}

void Engine::start_caller(JobNode& n, expr::EvalContext& ctx) {
  const spec::Job& job = *n.planned->job;
  for (const auto& [key, scalar] : job.with) {
    auto v = evaluate_scalar(scalar.text, ctx);
    if (!v.ok()) {
      finish_node(n, RunStatus::kFailure, "with." + key + ": " + v.error().message);
      return;
    }
    n.inputs.set(key, *v);
  }
  // Called workflows see their declared inputs: given values, else defaults.
  const spec::Workflow* called = nullptr;
  if (!n.planned->inner_keys.empty())
    called = node(n.planned->inner_keys.front())->planned->workflow;
  if (called) {
    for (const spec::InputSpec& input : called->on.call_inputs) {
      if (n.inputs.find(input.id)) continue;
      if (input.required) {
        finish_node(n, RunStatus::kFailure, "required input '" + input.id + "' not given");
        return;
      }
      n.inputs.set(input.id, input.default_value ? *input.default_value : Value(""));
    }
  }
  ctx.contexts.set("secrets", context_.options.secrets);
  if (job.secrets_inherit) {
    n.secrets = context_.options.secrets;
  } else {
    for (const auto& [key, scalar] : job.secrets) {
      auto v = evaluate_scalar(scalar.text, ctx);
      n.secrets.set(key, v.ok() ? *v : Value(""));
    }
  }
  n.status = RunStatus::kRunning;
  n.record.status = RunStatus::kRunning;
  n.record.started_ms = context_.clock.now_ms();
  save_job(n.record);
}

void Engine::finish_caller(JobNode& n) {
  RunStatus status = RunStatus::kSuccess;
  Value jobs = Value::object();
  for (const std::string& key : n.planned->inner_keys) {
    const JobNode* inner = node(key);
    if (failed(inner->status) && !inner->continue_on_error)
      status = RunStatus::kFailure;
    else if (inner->status == RunStatus::kCancelled && status == RunStatus::kSuccess)
      status = RunStatus::kCancelled;
    Value entry = Value::object();
    entry.set("result", github_result(inner->status));
    entry.set("outputs", inner->outputs);
    jobs.set(inner->planned->job_id, entry);
  }
  if (!n.planned->inner_keys.empty()) {
    const spec::Workflow* called = node(n.planned->inner_keys.front())->planned->workflow;
    expr::EvalContext ctx;
    ctx.contexts.set("github", context_.options.github);
    ctx.contexts.set("inputs", n.inputs);
    ctx.contexts.set("vars", context_.options.vars);
    ctx.contexts.set("jobs", jobs);
    for (const auto& [key, scalar] : called->on.call_outputs) {
      auto v = evaluate_scalar(scalar.text, ctx);
      n.outputs.set(key, context_.masker->mask(v.ok() ? v->to_string() : ""));
    }
  }
  n.record.outputs_json = n.outputs.as_object().empty() ? "" : to_json(n.outputs);
  finish_node(n, status, status == RunStatus::kSuccess ? "" : "a called job did not succeed");
}

bool Engine::expand(JobNode& n, const expr::EvalContext& ctx) {
  const spec::Strategy& strategy = n.planned->job->strategy;
  n.combos.clear();
  if (strategy.matrix) {
    auto evaluated = plan::evaluate_matrix(*strategy.matrix, ctx);
    Result<std::vector<Value>> combos = evaluated.ok()
                                            ? plan::expand_matrix(*evaluated)
                                            : Result<std::vector<Value>>(evaluated.error());
    if (!combos.ok()) {
      finish_node(n, RunStatus::kFailure, "strategy.matrix: " + combos.error().message);
      return false;
    }
    if (combos->empty()) {
      finish_node(n, RunStatus::kFailure, "strategy.matrix: the matrix has no combinations");
      return false;
    }
    n.combos = std::move(*combos);
  } else {
    n.combos.push_back(Value());
  }
  if (strategy.fail_fast) {
    auto v = evaluate_scalar(strategy.fail_fast->text, ctx);
    n.fail_fast = !v.ok() || v->truthy();
  }
  if (strategy.max_parallel) {
    auto v = evaluate_scalar(strategy.max_parallel->text, ctx);
    if (v.ok() && v->to_number() >= 1) n.max_parallel = static_cast<int>(v->to_number());
  }
  size_t count = n.combos.size();
  n.runs.resize(count);
  n.waiting_retry.assign(count, false);
  n.groups.assign(count, "");
  n.records.clear();
  for (size_t i = 0; i < count; ++i) {
    JobRecord r;
    r.run_id = run_.id;
    r.job_id = n.planned->job_id;
    r.key = n.combos[i].is_null() ? n.planned->key
                                  : n.planned->key + " " + plan::matrix_display_suffix(n.combos[i]);
    r.name = r.key;
    if (!n.combos[i].is_null()) r.matrix_json = to_json(n.combos[i]);
    n.records.push_back(r);
    if (!n.combos[i].is_null()) save_job(r);
  }
  if (n.combos.size() > 1 || !n.combos[0].is_null()) {
    // The node's own key is not an instance: the matrix combinations are.
    if (auto s = context_.store.save_job(JobRecord{n.record.run_id, n.record.key, n.record.job_id,
                                                   n.record.name, "", RunStatus::kRunning, "matrix",
                                                   1, "", context_.clock.now_ms(), 0});
        !s.ok())
      context_.report_error(s.error().message);
  }
  return true;
}

void Engine::start_instances() {
  for (auto& n : nodes_) {
    if (n->status != RunStatus::kRunning || n->planned->is_caller()) continue;
    for (size_t i = 0; i < n->runs.size(); ++i) {
      if (n->runs[i] || n->waiting_retry[i] || is_terminal(n->records[i].status)) continue;
      if (running_instances_ >= std::max(1, context_.options.max_parallel_jobs)) return;
      if (n->max_parallel > 0 && n->running >= n->max_parallel) break;
      if (!acquire_group(*n, i)) continue;
      start_instance(*n, i);
    }
  }
}

// Job-level `concurrency`, as GitHub does it: one instance of a group runs at a time.
// With `queue: single` (the default) one more waits, and an instance that joins the group
// while another waits cancels the waiting one; with `queue: max` up to 100 wait, first come
// first served. With cancel-in-progress a newcomer also cancels the instance running.
bool Engine::acquire_group(JobNode& n, size_t index) {
  const auto& concurrency = n.planned->job->concurrency;
  if (!concurrency) return true;
  expr::EvalContext ctx = job_context(n);
  ctx.contexts.set("matrix", n.combos[index].is_null() ? Value::object() : n.combos[index]);
  auto group = expr::evaluate_string(concurrency->group.text, ctx);
  std::string name = to_lower(group.ok() ? group->to_string() : concurrency->group.text);
  const std::pair<JobNode*, size_t> me(&n, index);

  auto& waiting = waiting_groups_[name];
  // Waiters cancelled meanwhile (the run, fail-fast) leave the line.
  std::erase_if(waiting,
                [](const auto& w) { return is_terminal(w.first->records[w.second].status); });
  auto held = held_groups_.find(name);
  bool free = held == held_groups_.end();
  if (std::find(waiting.begin(), waiting.end(), me) == waiting.end()) {
    if (free && waiting.empty()) {
      hold_group(n, index, name);
      return true;
    }
    if (!free && concurrency->cancel_in_progress) {
      auto v = evaluate_scalar(concurrency->cancel_in_progress->text, ctx);
      if (v.ok() && v->truthy()) {
        for (auto& other : nodes_)
          for (auto& r : other->runs)
            if (r && !r->finished() && r->record().key == held->second) r->cancel(false);
      }
    }
    // While the group is free, whoever waits is about to take it (later in this pass, or
    // once its own limits allow): only a held group has a pending job to replace.
    if (!free && !concurrency->queue_all) {
      for (auto [node, i] : waiting)
        cancel_waiting(*node, i, "a newer job of concurrency group '" + name + "' is waiting");
      waiting.clear();
    }
    if (waiting.size() >= kMaxPendingPerGroup) {  // GitHub's queue: max holds 100
      cancel_waiting(n, index, "the queue of concurrency group '" + name + "' is full");
      return false;
    }
    waiting.push_back(me);
  }
  if (!free || waiting.front() != me) return false;
  waiting.pop_front();
  hold_group(n, index, name);
  return true;
}

// An instance that never started ends cancelled.
void Engine::cancel_waiting(JobNode& n, size_t index, const std::string& reason) {
  JobRecord& record = n.records[index];
  record.status = RunStatus::kCancelled;
  record.reason = reason;
  record.finished_ms = context_.clock.now_ms();
  save_job(record);
  node_instance_done(n);
}

void Engine::hold_group(JobNode& n, size_t index, const std::string& group) {
  held_groups_[group] = n.records[index].key;
  n.groups[index] = group;
}

void Engine::start_instance(JobNode& n, size_t index) {
  JobRunInputs in;
  in.key = n.records[index].key;
  in.planned = n.planned;
  in.run_id = run_.id;
  in.job_attempt = n.records[index].attempt;
  in.matrix = n.combos[index];
  in.strategy.set("fail-fast", n.fail_fast);
  in.strategy.set("job-index", static_cast<int>(index));
  in.strategy.set("job-total", static_cast<int>(n.combos.size()));
  in.strategy.set("max-parallel",
                  n.max_parallel > 0 ? n.max_parallel : static_cast<int>(n.combos.size()));
  in.needs = needs_context(n);
  in.inputs = inputs_for(n);
  in.secrets = context_.options.secrets;
  if (!n.planned->caller_key.empty()) in.secrets = node(n.planned->caller_key)->secrets;
  in.workflow_env = workflow_env_;
  if (n.planned->workflow != plan_.workflow) {
    // A called workflow's own env, evaluated with its inputs.
    expr::EvalContext ctx;
    ctx.contexts.set("github", context_.options.github);
    ctx.contexts.set("inputs", in.inputs);
    ctx.contexts.set("vars", context_.options.vars);
    ctx.contexts.set("secrets", in.secrets);
    in.workflow_env.clear();
    for (const auto& [k, v] : n.planned->workflow->env) {
      auto value = evaluate_scalar(v.text, ctx);
      in.workflow_env[k] = value.ok() ? value->to_string() : "";
    }
  }
  ++running_instances_;
  ++n.running;
  JobNode* np = &n;
  n.runs[index] = std::make_unique<JobRun>(context_, std::move(in),
                                           [this, np, index] { on_instance_finished(*np, index); });
  n.runs[index]->start();
}

void Engine::on_instance_finished(JobNode& n, size_t index) {
  --running_instances_;
  --n.running;
  if (!n.groups[index].empty()) {
    held_groups_.erase(n.groups[index]);
    n.groups[index].clear();
  }
  JobRun& run = *n.runs[index];
  n.records[index] = run.record();
  for (const auto& [k, v] : run.outputs().as_object())
    if (!v.to_string().empty() || !n.outputs.find(k)) n.outputs.set(k, v);
  if (!run.summary().empty()) summaries_.emplace_back(run.record().key, run.summary());

  const auto& policy = n.planned->job->retry;
  RunStatus status = run.status();
  if (failed(status) && policy && !cancelled_ &&
      retry_allows(*policy, n.records[index].attempt, run.failure_class(), run.exit_code(),
                   false)) {
    int64_t delay = retry_delay_ms(*policy, n.records[index].attempt);
    n.records[index].attempt += 1;
    n.records[index].status = RunStatus::kWaiting;
    n.records[index].reason = "retrying after " + std::string(to_string(run.failure_class()));
    n.retired.push_back(std::move(n.runs[index]));
    n.waiting_retry[index] = true;
    JobNode* np = &n;
    context_.loop.add_timer(delay, [this, np, index] {
      np->waiting_retry[index] = false;
      if (cancelled_) {
        np->records[index].status = RunStatus::kCancelled;
        save_job(np->records[index]);
        node_instance_done(*np);
      }
      schedule();
    });
    schedule();
    return;
  }
  if (failed(status) && n.fail_fast && !n.continue_on_error) {
    for (size_t i = 0; i < n.runs.size(); ++i) {
      if (i == index) continue;
      if (n.runs[i] && !n.runs[i]->finished()) {
        n.runs[i]->cancel(false);
      } else if (!n.runs[i] && !is_terminal(n.records[i].status)) {
        n.records[i].status = RunStatus::kCancelled;
        n.records[i].reason = "fail-fast: another matrix job failed";
        n.waiting_retry[i] = false;
        save_job(n.records[i]);
      }
    }
  }
  node_instance_done(n);
  schedule();
}

// Finishes the node when every instance has reached a terminal state.
void Engine::node_instance_done(JobNode& n) {
  RunStatus status = RunStatus::kSuccess;
  for (size_t i = 0; i < n.records.size(); ++i) {
    RunStatus s = n.records[i].status;
    if (!is_terminal(s) || n.waiting_retry[i]) return;
    if (failed(s))
      status = status == RunStatus::kTimedOut ? status : s;
    else if (s == RunStatus::kCancelled && !failed(status))
      status = RunStatus::kCancelled;
  }
  if (n.combos.size() == 1 && n.combos[0].is_null()) {
    n.status = status;  // its one record was saved by its JobRun
    return;
  }
  finish_node(n, status, "");
}

void Engine::finish_node(JobNode& n, RunStatus status, const std::string& reason) {
  n.status = status;
  if (!n.records.empty() && n.combos.size() == 1 && n.combos[0].is_null()) return;
  n.record.status = status;
  n.record.reason = reason;
  if (n.record.started_ms == 0 && status != RunStatus::kSkipped)
    n.record.started_ms = context_.clock.now_ms();
  n.record.finished_ms = context_.clock.now_ms();
  if (n.records.empty() && !reason.empty()) n.record.reason = reason;
  if (n.selected) save_job(n.record);
}

void Engine::maybe_finish_run() {
  if (finished_ || running_instances_ > 0) return;
  for (const auto& n : nodes_) {
    if (!is_terminal(n->status)) return;
    for (bool waiting : n->waiting_retry)
      if (waiting) return;
  }
  RunStatus status = cancelled_ ? RunStatus::kCancelled : RunStatus::kSuccess;
  if (!cancelled_)
    for (const auto& n : nodes_)
      if (failed(n->status) && !n->continue_on_error) status = RunStatus::kFailure;
  run_.status = status;
  run_.finished_ms = context_.clock.now_ms();
  if (auto s = context_.store.save_run(run_); !s.ok()) context_.report_error(s.error().message);
  finished_ = true;
  if (context_.observer) context_.observer->on_run(run_);
}

RunStatistics Engine::statistics() const {
  std::vector<JobRecord> records;
  for (const auto& n : nodes_) {
    if (!n->selected) continue;
    records.push_back(n->record);
    records.insert(records.end(), n->records.begin(), n->records.end());
  }
  // A job without a matrix has its node record and one instance record with the same
  // key; keep the instance's.
  std::stable_sort(records.begin(), records.end(),
                   [](const JobRecord& a, const JobRecord& b) { return a.key < b.key; });
  std::vector<JobRecord> unique;
  for (auto it = records.rbegin(); it != records.rend(); ++it)
    if (unique.empty() || unique.back().key != it->key) unique.push_back(*it);
  return compute_action_statistics(unique);
}

}  // namespace sluice::engine
