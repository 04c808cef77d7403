#include "engine/engine.h"

#include <atomic>
#include <set>
#include <thread>

#include "core/json.h"
#include "engine/job_node.h"
#include "engine/job_run.h"
#include "engine/retry.h"
#include "engine/scalar_value.h"
#include "expr/expression.h"
#include "plan/inputs.h"
#include "plan/matrix.h"

namespace sluice::engine {

namespace {

bool failed(RunStatus s) {
  return s == RunStatus::kFailure || s == RunStatus::kTimedOut;
}

}  // namespace

expr::EvalContext run_expression_context(const RunOptions& options, const Value& inputs) {
  expr::EvalContext ctx;
  ctx.contexts.set("github", options.github);
  ctx.contexts.set("inputs", inputs);
  ctx.contexts.set("vars", options.vars);
  return ctx;
}

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

Engine::~Engine() {
  *alive_ = false;
}

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
  workflow_env_ = workflow_env(*plan_.workflow, context_.options.inputs, context_.options.secrets);
  for (auto& n : nodes_) {
    n->record.run_id = run_.id;
    n->record.key = n->planned->key;
    n->record.job_id = n->planned->job_id;
    n->record.name = n->planned->key;
    n->record.workflow_sha = n->planned->workflow_sha;
    n->record.needs_json = needs_to_json(n->planned->needs);
    if (n->selected) save_job(n->record);
  }
  schedule();
  return Status::Ok();
}

void Engine::save_job(const JobRecord& record) {
  if (auto s = context_.store.save_job(record); !s.ok())
    context_.report_store_error(s.error().message);
  if (context_.observer) context_.observer->on_job(record);
}

// As GitHub cancels a run: the `if` of every job started or about to start is evaluated
// again; the jobs it keeps (always(), cancelled()) go on, the others stop now, and
// those still waiting for a slot (--jobs, max-parallel, a concurrency group, a retry)
// never start.
void Engine::cancel() {
  if (cancelled_ || finished_) return;
  cancelled_ = true;
  // An instance that ends synchronously below must not hand its slot to one not yet decided.
  scheduling_ = true;
  for (auto& n : nodes_) {
    if (n->status != RunStatus::kRunning || n->planned->is_caller()) continue;
    if (runs_when_cancelled(*n)) continue;
    for (size_t i = 0; i < n->instances.size(); ++i) {
      Instance& instance = n->instances[i];
      if (instance.placing) withdraw_placement(*n, i);
      if (instance.active())
        instance.run->cancel(false);
      else if (instance.pending() || instance.waiting_retry())
        cancel_instance(*n, i, "run cancelled");
    }
  }
  scheduling_ = false;
  schedule();
}

bool Engine::runs_when_cancelled(const JobNode& n) const {
  const auto& condition = n.planned->job->if_condition;
  if (!condition) return false;  // the implied success() is false on a cancelled run
  auto parsed = expr::parse_condition(condition->text);
  if (!parsed.ok() || !parsed->uses_status_function) return false;
  auto holds = expr::evaluate_condition(*parsed, job_context(n));
  return holds.ok() && *holds;
}

// An error fails every job that would use this env (JobRunInputs::setup_error).
Result<std::map<std::string, std::string>> Engine::workflow_env(const spec::Workflow& workflow,
                                                                const Value& inputs,
                                                                const Value& secrets) const {
  expr::EvalContext ctx = run_expression_context(context_.options, inputs);
  ctx.contexts.set("secrets", secrets);
  std::map<std::string, std::string> env;
  for (const auto& [k, v] : workflow.env) {
    auto value = evaluate_scalar(v, ctx);
    if (!value.ok()) return value.error();
    env[k] = value->to_string();
  }
  return env;
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
      // Before the caller check: the inner jobs of a reused caller are reused too.
      if (auto reused = context_.options.reused_jobs.find(n->planned->key);
          reused != context_.options.reused_jobs.end()) {
        n->outputs = reused->second.outputs;
        n->record.outputs_json = n->outputs.as_object().empty() ? "" : to_json(n->outputs);
        finish_node(*n, RunStatus::kSuccess, reused->second.reason);
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
  expr::EvalContext ctx = run_expression_context(context_.options, inputs_for(n));
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
  // An `if` or `continue-on-error` that does not evaluate fails the job, as on GitHub.
  auto placed = [&](const Error& e) {
    return (job.if_condition ? place_in(*job.if_condition, e) : e).located_message();
  };
  auto parsed = expr::parse_condition(condition);
  if (!parsed.ok()) return finish_node(n, RunStatus::kFailure, placed(parsed.error()));
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
  if (!run.ok()) return finish_node(n, RunStatus::kFailure, placed(run.error()));
  if (!*run) {
    finish_node(n, cancelled_ ? RunStatus::kCancelled : RunStatus::kSkipped,
                cancelled_ ? "run cancelled" : "if: condition was false");
    return;
  }
  if (job.continue_on_error) {
    auto v = evaluate_scalar(*job.continue_on_error, ctx);
    if (!v.ok()) return finish_node(n, RunStatus::kFailure, v.error().located_message());
    n.continue_on_error = v->truthy();
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
    auto v = evaluate_scalar(scalar, ctx);
    if (!v.ok()) return finish_node(n, RunStatus::kFailure, v.error().located_message());
    n.inputs.set(key, *v);
  }
  // Called workflows see their declared inputs, typed, with defaults evaluated (plan/inputs.h).
  if (!n.planned->inner_keys.empty()) {
    const spec::Workflow* called = node(n.planned->inner_keys.front())->planned->workflow;
    auto inputs = plan::resolve_call_inputs(*called, n.inputs, ctx);
    if (!inputs.ok()) return finish_node(n, RunStatus::kFailure, inputs.error().message);
    n.inputs = std::move(*inputs);
  }
  ctx.contexts.set("secrets", context_.options.secrets);
  if (job.secrets_inherit) {
    n.secrets = context_.options.secrets;
  } else {
    for (const auto& [key, scalar] : job.secrets) {
      auto v = evaluate_scalar(scalar, ctx);
      if (!v.ok()) return finish_node(n, RunStatus::kFailure, v.error().located_message());
      n.secrets.set(key, *v);
    }
  }
  n.status = RunStatus::kRunning;
  n.record.status = RunStatus::kRunning;
  n.record.started_ms = context_.clock.now_ms();
  save_job(n.record);
}

void Engine::finish_caller(JobNode& n) {
  RunStatus status = RunStatus::kSuccess;
  std::string reason;
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
    expr::EvalContext ctx = run_expression_context(context_.options, n.inputs);
    ctx.contexts.set("jobs", jobs);
    for (const auto& [key, scalar] : called->on.call_outputs) {
      auto v = evaluate_scalar(scalar, ctx);
      if (!v.ok()) {
        status = RunStatus::kFailure;
        if (reason.empty()) reason = v.error().located_message();
        continue;
      }
      n.outputs.set(key, context_.masker->mask(v->to_string()));
    }
  }
  n.record.outputs_json = n.outputs.as_object().empty() ? "" : to_json(n.outputs);
  if (status != RunStatus::kSuccess && reason.empty()) reason = "a called job did not succeed";
  finish_node(n, status, reason);
}

bool Engine::expand(JobNode& n, const expr::EvalContext& ctx) {
  const spec::Strategy& strategy = n.planned->job->strategy;
  std::vector<Value> combos;
  if (strategy.matrix) {
    auto evaluated = plan::evaluate_matrix(*strategy.matrix, ctx);
    Result<std::vector<Value>> expanded = evaluated.ok()
                                              ? plan::expand_matrix(*evaluated)
                                              : Result<std::vector<Value>>(evaluated.error());
    if (!expanded.ok()) {
      finish_node(n, RunStatus::kFailure, "strategy.matrix: " + expanded.error().message);
      return false;
    }
    if (expanded->empty()) {
      finish_node(n, RunStatus::kFailure, "strategy.matrix: the matrix has no combinations");
      return false;
    }
    combos = std::move(*expanded);
  } else {
    combos.push_back(Value());
  }
  for (const auto* setting : {&strategy.fail_fast, &strategy.max_parallel}) {
    if (!*setting) continue;
    auto v = evaluate_scalar(**setting, ctx);
    if (!v.ok()) {
      finish_node(n, RunStatus::kFailure, v.error().located_message());
      return false;
    }
    if (setting == &strategy.fail_fast) n.fail_fast = v->truthy();
    if (setting == &strategy.max_parallel && v->to_number() >= 1)
      n.max_parallel = static_cast<int>(v->to_number());
  }
  n.instances.clear();
  n.instances.reserve(combos.size());
  for (Value& combo : combos) {
    Instance& instance = n.instances.emplace_back();
    JobRecord& r = instance.record;
    r.run_id = run_.id;
    r.job_id = n.planned->job_id;
    r.key = combo.is_null() ? n.planned->key
                            : n.planned->key + " " + plan::matrix_display_suffix(combo);
    r.name = r.key;
    r.needs_json = n.record.needs_json;
    if (!combo.is_null()) {
      r.matrix_json = to_json(combo);
      save_job(r);
    }
    instance.combo = std::move(combo);
  }
  if (!n.single()) {
    // The node's own key is not an instance: the matrix combinations are.
    if (auto s = context_.store.save_job(JobRecord{
            n.record.run_id, n.record.key, n.record.job_id, n.record.name, "", RunStatus::kRunning,
            "matrix", 1, "", context_.clock.now_ms(), 0, "", n.record.needs_json});
        !s.ok())
      context_.report_store_error(s.error().message);
  }
  return true;
}

void Engine::start_instances() {
  for (auto& n : nodes_) {
    if (n->status != RunStatus::kRunning || n->planned->is_caller()) continue;
    for (size_t i = 0; i < n->instances.size(); ++i) {
      if (!n->instances[i].pending()) continue;
      // An environment's rules come first: waiting for them takes no --jobs slot.
      if (needs_admission(*n, i)) begin_admission(*n, i);
      if (!n->instances[i].pending() || n->instances[i].admission == Instance::Admission::kWaiting)
        continue;
      if (running_instances_ >= std::max(1, context_.options.max_parallel_jobs)) return;
      if (n->max_parallel > 0 && n->running >= n->max_parallel) break;
      if (!acquire_group(*n, i)) continue;
      start_instance(*n, i);
    }
  }
}

// An instance that never started (or waits to be retried) ends cancelled.
void Engine::cancel_instance(JobNode& n, size_t index, const std::string& reason) {
  end_instance(n, index, RunStatus::kCancelled, reason);
}

// An instance that never started ends with `status`: cancelled, or failed when what it
// needed to start (its concurrency group) did not evaluate.
void Engine::end_instance(JobNode& n, size_t index, RunStatus status, const std::string& reason) {
  Instance& instance = n.instances[index];
  if (instance.waiting_retry()) context_.loop.cancel_timer(instance.retry_timer);
  instance.retry_timer = 0;
  end_admission(instance, status, reason);
  JobRecord& record = instance.record;
  record.status = status;
  record.reason = context_.masker->mask(reason);
  record.finished_ms = context_.clock.now_ms();
  save_job(record);
  node_instance_done(n);
}

void Engine::start_instance(JobNode& n, size_t index) {
  Instance& instance = n.instances[index];
  JobRunInputs in;
  in.key = instance.record.key;
  in.job_scope = job_scope(instance);
  in.planned = n.planned;
  in.run_id = run_.id;
  in.job_attempt = instance.record.attempt;
  in.matrix = instance.combo;
  int total = static_cast<int>(n.instances.size());
  in.strategy.set("fail-fast", n.fail_fast);
  in.strategy.set("job-index", static_cast<int>(index));
  in.strategy.set("job-total", total);
  in.strategy.set("max-parallel", n.max_parallel > 0 ? n.max_parallel : total);
  in.needs = needs_context(n);
  in.inputs = inputs_for(n);
  in.secrets = context_.options.secrets;
  if (!n.planned->caller_key.empty()) in.secrets = node(n.planned->caller_key)->secrets;
  // An environment's secrets and vars override the repository's for this job.
  if (!instance.environment_secrets.empty()) {
    in.secrets = Value::object(in.secrets.as_object());
    for (const auto& [k, v] : instance.environment_secrets) in.secrets.set(k, v);
  }
  if (!instance.environment_vars.empty()) {
    in.vars = Value::object(context_.options.vars.as_object());
    for (const auto& [k, v] : instance.environment_vars) in.vars->set(k, v);
  }
  // A called workflow has its own env, evaluated with its inputs.
  auto env = n.planned->workflow == plan_.workflow
                 ? workflow_env_
                 : workflow_env(*n.planned->workflow, in.inputs, in.secrets);
  if (env.ok())
    in.workflow_env = std::move(*env);
  else
    in.setup_error = env.error();
  std::optional<Error> placement_error;
  JobPlacement placement = placement_for(n, instance, in, placement_error);
  if (placement_error && !in.setup_error) in.setup_error = placement_error;
  bool place = !in.setup_error;
  ++running_instances_;
  ++n.running;
  JobNode* np = &n;
  in.run_if_last = [this, np] { return run_if_last(*np); };
  instance.run = std::make_unique<JobRun>(context_, std::move(in),
                                          [this, np, index] { on_instance_finished(*np, index); });
  instance.lost = false;
  if (!place) {  // fails at once: nothing to place
    instance.run->start();
    return;
  }
  // Events the executor sends while place_job runs on this thread are handled after it
  // returns; any other is posted to the loop.
  instance.placing = true;
  uint64_t token = instance.placement = ++placements_;
  auto in_call = std::make_shared<std::atomic<bool>>(true);
  auto immediate = std::make_shared<std::vector<PlacementEvent>>();
  std::thread::id caller = std::this_thread::get_id();
  context_.executor.place_job(placement, [this, alive = alive_, loop = &context_.loop, np, index,
                                          token, in_call, immediate, caller](PlacementEvent event) {
    if (in_call->load() && std::this_thread::get_id() == caller) {
      immediate->push_back(std::move(event));
      return;
    }
    loop->post([this, alive, np, index, token, event = std::move(event)] {
      if (*alive) on_placement(*np, index, token, event);
    });
  });
  in_call->store(false);
  for (const PlacementEvent& event : *immediate) on_placement(n, index, token, event);
}

// What the executor is told about the instance: its `runs-on` labels evaluated with the
// matrix (an error fails the job at start), the secrets its steps may see, the run's dirs.
JobPlacement Engine::placement_for(const JobNode& n, const Instance& instance,
                                   const JobRunInputs& in, std::optional<Error>& error) const {
  JobPlacement p;
  p.job_scope = in.job_scope;
  p.run_id = run_.id;
  p.job_key = in.key;
  p.attempt = in.job_attempt;
  expr::EvalContext ctx = job_context(n);
  ctx.contexts.set("matrix", instance.combo.is_null() ? Value::object() : instance.combo);
  for (const spec::Scalar& label : n.planned->job->runs_on) {
    auto v = evaluate_scalar(label, ctx);
    if (!v.ok()) {
      error = v.error();
      break;
    }
    if (v->is_array()) {
      for (const Value& e : v->as_array()) p.runs_on.push_back(e.to_string());
    } else if (!v->to_string().empty()) {
      p.runs_on.push_back(v->to_string());
    }
  }
  if (in.secrets.is_object())
    for (const auto& [k, v] : in.secrets.as_object()) p.secrets.push_back(v.to_string());
  const RunOptions& o = context_.options;
  p.workspace = o.workspace;
  p.temp_dir = o.temp_dir;
  p.tool_cache_dir = o.tool_cache_dir.empty() ? o.temp_dir + "/tool-cache" : o.tool_cache_dir;
  return p;
}

void Engine::on_placement(JobNode& n, size_t index, uint64_t placement,
                          const PlacementEvent& event) {
  Instance& instance = n.instances[index];
  if (instance.placement != placement || !instance.run) return;  // withdrawn, or retried
  switch (event.kind) {
    case PlacementEvent::Kind::kWaiting:
      if (!instance.placing) return;
      instance.record.status = RunStatus::kWaiting;
      instance.record.reason = context_.masker->mask(event.reason);
      save_job(instance.record);
      return;
    case PlacementEvent::Kind::kPlaced:
      if (!instance.placing) return;
      instance.placing = false;
      instance.run->start();
      return;
    case PlacementEvent::Kind::kLost:
      if (instance.placing || instance.run->finished()) return;
      instance.lost = true;
      instance.run->lose(event.reason.empty() ? "agent lost" : event.reason);
      return;
  }
}

// The instance is pending again: its slots and group are free, the executor forgets it.
void Engine::withdraw_placement(JobNode& n, size_t index) {
  Instance& instance = n.instances[index];
  context_.executor.release_job(job_scope(instance));
  instance.placing = false;
  instance.placement = 0;
  instance.run.reset();
  --running_instances_;
  --n.running;
  release_group(instance);
}

std::string Engine::job_scope(const Instance& instance) const {
  return std::to_string(run_.id) + "/" + instance.record.key;
}

void Engine::on_instance_finished(JobNode& n, size_t index) {
  --running_instances_;
  --n.running;
  Instance& instance = n.instances[index];
  release_group(instance);
  JobRun& run = *instance.run;
  // Whatever the job's steps left running in the background ends with the job, as on GitHub.
  context_.executor.end_job(job_scope(instance));
  instance.record = run.record();
  for (const auto& [k, v] : run.outputs().as_object())
    if (!v.to_string().empty() || !n.outputs.find(k)) n.outputs.set(k, v);
  if (!run.summary().empty()) summaries_.emplace_back(run.record().key, run.summary());

  const auto& policy = n.planned->job->retry;
  RunStatus status = run.status();
  if (failed(status) && policy && !cancelled_ &&
      retry_allows(*policy, instance.record.attempt, run.failure_class(), run.exit_code(), false)) {
    int64_t delay = retry_delay_ms(*policy, instance.record.attempt);
    instance.record.attempt += 1;
    instance.record.status = RunStatus::kWaiting;
    instance.record.reason = instance.lost
                                 ? "retrying after " + run.record().reason
                                 : "retrying after " + std::string(to_string(run.failure_class()));
    n.retired.push_back(std::move(instance.run));
    instance.retry_timer = context_.loop.add_timer(delay, [this, &instance] {
      instance.retry_timer = 0;
      schedule();
    });
    schedule();
    return;
  }
  end_admission(instance, status, "");
  if (failed(status) && n.fail_fast && !n.continue_on_error) {
    for (size_t i = 0; i < n.instances.size(); ++i) {
      Instance& other = n.instances[i];
      if (i == index) continue;
      if (other.placing) withdraw_placement(n, i);
      if (other.active()) {
        other.run->cancel(false);
      } else if (other.pending() || other.waiting_retry()) {
        if (other.waiting_retry()) context_.loop.cancel_timer(other.retry_timer);
        other.retry_timer = 0;
        end_admission(other, RunStatus::kCancelled, "fail-fast: another matrix job failed");
        other.record.status = RunStatus::kCancelled;
        other.record.reason = "fail-fast: another matrix job failed";
        save_job(other.record);
      }
    }
  }
  node_instance_done(n);
  schedule();
}

// Finishes the node when every instance has reached a terminal state.
void Engine::node_instance_done(JobNode& n) {
  RunStatus status = RunStatus::kSuccess;
  for (const Instance& instance : n.instances) {
    RunStatus s = instance.record.status;
    if (!is_terminal(s) || instance.waiting_retry()) return;
    if (failed(s))
      status = status == RunStatus::kTimedOut ? status : s;
    else if (s == RunStatus::kCancelled && !failed(status))
      status = RunStatus::kCancelled;
  }
  if (n.single()) {
    n.status = status;  // its one record was saved by its JobRun (or cancel_instance)
    return;
  }
  finish_node(n, status, "");
}

void Engine::finish_node(JobNode& n, RunStatus status, const std::string& reason) {
  n.status = status;
  if (n.single()) return;
  n.record.status = status;
  n.record.reason = context_.masker->mask(reason);  // expression errors may quote values
  if (n.record.started_ms == 0 && status != RunStatus::kSkipped)
    n.record.started_ms = context_.clock.now_ms();
  n.record.finished_ms = context_.clock.now_ms();
  if (n.instances.empty() && !reason.empty()) n.record.reason = context_.masker->mask(reason);
  if (n.selected) save_job(n.record);
}

// The run's conclusion, as GitHub concludes it: a failed job (not continue-on-error) makes
// it a failure; otherwise a cancelled run, or any cancelled job (a concurrency group
// cancelled it), makes it cancelled.
RunStatus Engine::conclusion(const JobNode* as_if, RunStatus as_if_status) const {
  if (cancelled_) return RunStatus::kCancelled;
  RunStatus status = RunStatus::kSuccess;
  for (const auto& n : nodes_) {
    if (!n->selected) continue;
    RunStatus s = n.get() == as_if ? as_if_status : n->status;
    if (failed(s) && !n->continue_on_error) return RunStatus::kFailure;
    if (s == RunStatus::kCancelled) status = RunStatus::kCancelled;
  }
  return status;
}

// The run's conclusion when `n`'s one instance, running, is all that is left of it: no
// other job runs, waits or is queued (a dependant would be), none waits for a retry.
std::optional<std::pair<RunStatus, RunStatus>> Engine::run_if_last(const JobNode& n) const {
  if (cancelled_ || finished_ || !n.single() || n.running != 1 || running_instances_ != 1 ||
      !n.planned->caller_key.empty() || context_.store_errors > 0)
    return std::nullopt;
  for (const auto& other : nodes_) {
    if (other.get() == &n) continue;
    if (other->selected && !is_terminal(other->status)) return std::nullopt;
    for (const Instance& instance : other->instances)
      if (instance.waiting_retry()) return std::nullopt;
  }
  return std::pair{conclusion(&n, RunStatus::kSuccess), conclusion(&n, RunStatus::kFailure)};
}

void Engine::maybe_finish_run() {
  if (finished_ || running_instances_ > 0) return;
  for (const auto& n : nodes_) {
    if (!is_terminal(n->status)) return;
    for (const Instance& instance : n->instances)
      if (instance.waiting_retry()) return;
  }
  // A store may commit in the background: flush() returns what failed meanwhile.
  if (Status s = context_.store.flush(); !s.ok()) context_.report_store_error(s.error().message);
  RunStatus status = conclusion();
  // A run whose record is incomplete is not reported a success.
  if (context_.store_errors > 0 && run_.reason.empty())
    run_.reason = "not fully recorded: " + context_.first_store_error;
  if (status == RunStatus::kSuccess && context_.store_errors > 0) status = RunStatus::kFailure;
  run_.status = status;
  run_.finished_ms = context_.clock.now_ms();
  if (auto s = context_.store.save_run(run_); !s.ok())
    context_.report_store_error(std::string("cannot record the run's final status '") +
                                to_string(status) + "': " + s.error().message);
  finished_ = true;
  if (context_.observer) context_.observer->on_run(run_);
}

RunStatistics Engine::statistics() const {
  std::vector<JobRecord> records;
  for (const auto& n : nodes_) {
    if (!n->selected) continue;
    records.push_back(n->record);
    for (const Instance& instance : n->instances) records.push_back(instance.record);
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
