#include "engine/job_run.h"

#include <cctype>
#include <cmath>
#include <filesystem>

#include "core/json.h"
#include "engine/retry.h"
#include "engine/scalar_value.h"
#include "engine/step_environment.h"

namespace sluice::engine {
namespace {

std::string scalar_text(const std::optional<spec::Scalar>& s) {
  return s ? s->text : "";
}

Value outputs_object(const std::vector<std::pair<std::string, std::string>>& outputs) {
  Value o = Value::object();
  for (const auto& [k, v] : outputs) o.set(k, v);
  return o;
}

}  // namespace

JobRun::JobRun(RunContext& context, JobRunInputs inputs, std::function<void()> on_finished)
    : context_(context), in_(std::move(inputs)), on_finished_(std::move(on_finished)) {
  record_.run_id = in_.run_id;
  record_.key = in_.key;
  record_.job_id = in_.planned->job_id;
  record_.name = in_.key;
  record_.attempt = in_.job_attempt;
  if (!in_.matrix.is_null()) record_.matrix_json = to_json(in_.matrix);
  // One directory per job instance and attempt (matrix siblings run at the same time).
  for (char c : in_.key)
    dir_name_ += std::isalnum(static_cast<unsigned char>(c)) || c == '-' ? c : '_';
  dir_name_ += "-" + std::to_string(in_.job_attempt);
}

JobRun::~JobRun() {
  *alive_ = false;
  if (job_timer_) context_.loop.cancel_timer(job_timer_);
  if (current_ && current_->timer) context_.loop.cancel_timer(current_->timer);
}

// --- contexts ---------------------------------------------------------------------------

std::map<std::string, std::string> JobRun::context_env(const Frame& frame) const {
  std::map<std::string, std::string> env = in_.workflow_env;
  for (const auto& [k, v] : job_env_) env[k] = v;
  for (const auto& [k, v] : github_env_) env[k] = v;
  for (const auto& [k, v] : frame.env) env[k] = v;
  return env;
}

expr::EvalContext JobRun::eval_context(const Frame& frame) const {
  expr::EvalContext ctx;
  const RunOptions& o = context_.options;
  Value github = Value::object(o.github.as_object());
  github.set("job", in_.planned->job_id);
  github.set("workspace", o.workspace);
  if (frame.action) github.set("action_path", frame.action->dir);
  ctx.contexts.set("github", github);
  Value env = Value::object();
  for (const auto& [k, v] : context_env(frame)) env.set(k, v);
  ctx.contexts.set("env", env);
  ctx.contexts.set("vars", o.vars);
  ctx.contexts.set("secrets", in_.secrets);
  ctx.contexts.set("inputs", frame.action ? frame.inputs : in_.inputs);
  ctx.contexts.set("needs", in_.needs);
  ctx.contexts.set("matrix", in_.matrix.is_null() ? Value::object() : in_.matrix);
  ctx.contexts.set("strategy", in_.strategy);
  ctx.contexts.set("steps", frame.steps);
  Value job = Value::object();
  job.set("status", cancelled_ ? "cancelled" : (failed_ || frame.failed) ? "failure" : "success");
  ctx.contexts.set("job", job);
  Value runner = Value::object();
  runner.set("name", o.runner_name);
  runner.set("os", "Linux");
  runner.set("arch", "X64");
  runner.set("temp", o.temp_dir);
  runner.set("tool_cache", o.temp_dir + "/tool-cache");
  runner.set("workspace", o.workspace);
  runner.set("debug", "");
  ctx.contexts.set("runner", runner);
  ctx.status.failed = failed_ || frame.failed;
  ctx.status.cancelled = cancelled_;
  ctx.workspace = o.workspace;
  return ctx;
}

Result<Value> JobRun::eval(const spec::Scalar& scalar, const expr::EvalContext& ctx) const {
  auto value = evaluate_scalar(scalar.text, ctx);
  if (!value.ok()) {
    Error e = value.error();
    int column = e.pos.column;
    e.pos = scalar.pos;
    if (column > 0 && scalar.pos.column > 0) e.pos.column = scalar.pos.column + column - 1;
    return e;
  }
  return value;
}

Result<bool> JobRun::eval_if(const std::string& condition, const spec::Scalar* where,
                             const expr::EvalContext& ctx) const {
  auto parsed = expr::parse_condition(condition);
  Result<bool> result =
      parsed.ok() ? expr::evaluate_condition(*parsed, ctx) : Result<bool>(parsed.error());
  if (!result.ok() && where) {
    Error e = result.error();
    e.pos = where->pos;
    return e;
  }
  return result;
}

// --- lifecycle --------------------------------------------------------------------------

void JobRun::start() {
  const spec::Job& job = *in_.planned->job;
  record_.status = RunStatus::kRunning;
  record_.started_ms = context_.clock.now_ms();
  Frame top;
  expr::EvalContext ctx = eval_context(top);
  if (job.name) {
    auto name = eval(*job.name, ctx);
    if (name.ok())
      record_.name = context_.masker->mask(name->to_string()) +
                     (in_.matrix.is_null() ? "" : in_.key.substr(in_.key.find(" (")));
  }
  for (const auto& [k, v] : job.env) {
    auto value = eval(v, ctx);
    if (!value.ok()) {
      failed_ = true;
      record_.reason = value.error().format();
      break;
    }
    job_env_[k] = value->to_string();
  }
  if (!failed_) {
    // GitHub's default job timeout is 360 minutes.
    auto minutes =
        job.timeout_minutes ? eval(*job.timeout_minutes, ctx) : Result<Value>(Value(360));
    double m = minutes.ok() ? minutes->to_number() : NAN;
    if (std::isnan(m) || m <= 0) {
      failed_ = true;
      record_.reason = "invalid timeout-minutes: " + job.timeout_minutes->text;
    } else {
      job_timer_ = context_.loop.add_timer(static_cast<int64_t>(m * 60000), [this] {
        job_timer_ = 0;
        cancel(true);
      });
    }
  }
  // Resolve every `uses:` now, so that `pre:` steps can run first.
  std::vector<Item> pres;
  for (const spec::Step& step : job.steps) {
    Item item;
    item.step = &step;
    if (step.uses) {
      if (!context_.resolver) {
        item.resolve_error = "cannot run action '" + step.uses->text + "': no action resolver";
      } else {
        auto resolved = context_.resolver->resolve(step.uses->text, context_.options.workspace);
        if (resolved.ok())
          item.action = *resolved;
        else
          item.resolve_error = resolved.error().message;
      }
      if (item.action && item.action->kind == ResolvedAction::Kind::kNode &&
          !item.action->action.pre.empty()) {
        Item pre = item;
        pre.phase = Phase::kPre;
        pres.push_back(pre);
      }
    }
    top.items.push_back(std::move(item));
  }
  top.items.insert(top.items.begin(), pres.begin(), pres.end());
  for (size_t i = 0; i < top.items.size(); ++i) {
    StepRecord s;
    s.run_id = in_.run_id;
    s.job_key = in_.key;
    s.index = static_cast<int>(i);
    const Item& item = top.items[i];
    s.step_id = item.step->id;
    s.name = step_display_name(item, ctx);
    steps_.push_back(s);
  }
  frames_.push_back(std::move(top));
  for (const StepRecord& s : steps_) save_step(s);
  if (context_.observer) context_.observer->on_job(record_);
  advance();
}

void JobRun::cancel(bool timed_out) {
  if (finished_) return;
  if (timed_out) timed_out_ = true;
  cancelled_ = true;
  if (current_ && current_->execution) context_.executor.cancel(current_->execution);
  if (current_ && current_->timer) {
    // Waiting for a retry backoff: give up the retry and finish the step now.
    context_.loop.cancel_timer(current_->timer);
    current_->timer = 0;
    if (!current_->execution) {
      StepOutcome outcome;
      outcome.started = true;
      outcome.cancelled = true;
      on_outcome(std::move(outcome));
    }
  }
}

std::string JobRun::step_display_name(const Item& item, const expr::EvalContext& ctx) const {
  const spec::Step& step = *item.step;
  std::string name;
  if (step.name) {
    auto v = eval(*step.name, ctx);
    name = v.ok() ? v->to_string() : step.name->text;
  } else if (step.uses) {
    name = "Run " + step.uses->text;
  } else if (step.run) {
    std::string first = step.run->text.substr(0, step.run->text.find('\n'));
    name = "Run " + first;
  }
  if (item.phase == Phase::kPre) name = "Pre " + name;
  if (item.phase == Phase::kPost) name = "Post " + name;
  return context_.masker->mask(name);
}

// Runs steps until one is started (and we wait for its outcome) or the job is done.
void JobRun::advance() {
  while (!current_ && !finished_) {
    Frame& frame = frames_.back();
    if (frame.next >= frame.items.size()) {
      if (frames_.size() == 1 && !posts_added_ && !posts_.empty()) {
        posts_added_ = true;
        for (auto it = posts_.rbegin(); it != posts_.rend(); ++it) {
          StepRecord s;
          s.run_id = in_.run_id;
          s.job_key = in_.key;
          s.index = static_cast<int>(steps_.size());
          s.step_id = it->step->id;
          s.name = step_display_name(*it, eval_context(frame));
          steps_.push_back(s);
          save_step(s);
          frame.items.push_back(*it);
        }
        continue;
      }
      if (frames_.size() == 1) {
        finish_job();
      } else {
        finish_frame();
      }
      continue;
    }
    size_t position = frame.next++;
    int record_index = frames_.size() == 1 ? static_cast<int>(position) : frame.record_index;
    begin_item(frame, frame.items[position], record_index);
  }
}

void JobRun::begin_item(Frame& frame, Item item, int record_index) {
  const spec::Step& step = *item.step;
  expr::EvalContext ctx = eval_context(frame);
  std::string condition = item.phase == Phase::kPost
                              ? (item.post_if.empty() ? "always()" : item.post_if)
                              : scalar_text(step.if_condition);
  if (item.phase == Phase::kPre && item.action && item.action->action.pre_if)
    condition = item.action->action.pre_if->text;
  auto run =
      eval_if(condition,
              item.phase == Phase::kMain && step.if_condition ? &*step.if_condition : nullptr, ctx);
  if (!run.ok()) {
    finish_step(record_index, frame, item, RunStatus::kFailure, run.error().format(), "start-error",
                {});
    return;
  }
  if (!*run) {
    finish_step(record_index, frame, item, cancelled_ ? RunStatus::kCancelled : RunStatus::kSkipped,
                cancelled_ ? "run cancelled" : "if: condition was false", "", {});
    return;
  }
  Attempt attempt;
  attempt.record_index = record_index;
  attempt.item = std::move(item);
  attempt.owns_attempt = frames_.size() == 1;
  current_ = std::move(attempt);
  start_attempt();
}

void JobRun::start_attempt() {
  Attempt& a = *current_;
  Frame& frame = frames_.back();
  StepRecord& rec = steps_[a.record_index];
  int64_t now = context_.clock.now_ms();
  if (a.owns_attempt) {
    rec.status = RunStatus::kRunning;
    if (rec.started_ms == 0) rec.started_ms = now;
    rec.attempts = a.number;
    save_step(rec);
    a.record = AttemptRecord{};
    a.record.run_id = in_.run_id;
    a.record.job_key = in_.key;
    a.record.step_index = a.record_index;
    a.record.job_attempt = in_.job_attempt;
    a.record.attempt = a.number;
    a.record.started_ms = now;
    auto log = context_.store.open_log(a.record);
    if (!log.ok()) {
      context_.report_error("cannot open step log: " + log.error().message);
    } else {
      a.log = *log;
    }
    save_attempt(a.record);
  } else {
    a.log = active_log();
  }

  const Item& item = a.item;
  if (!item.resolve_error.empty()) {
    StepOutcome o;
    o.error_message = item.resolve_error;
    on_outcome(std::move(o));
    return;
  }
  if (item.action && item.action->kind == ResolvedAction::Kind::kComposite &&
      item.phase == Phase::kMain) {
    // A composite action: run its steps in a nested frame that logs into this step.
    expr::EvalContext ctx = eval_context(frame);
    Frame nested;
    nested.action = item.action;
    nested.record_index = a.record_index;
    auto inputs = action_inputs(
        *item.action, *item.step, ctx,
        [this](const spec::Scalar& s, const expr::EvalContext& c) { return eval(s, c); });
    if (!inputs.ok()) {
      log_line("error: " + inputs.error().format());
      StepOutcome o;
      o.error_message = inputs.error().message;
      on_outcome(std::move(o));
      return;
    }
    for (const auto& [k, v] : *inputs) nested.inputs.set(k, v);
    for (const auto& [k, v] : item.step->env) {
      auto value = eval(v, ctx);
      if (value.ok()) nested.env[k] = value->to_string();
    }
    for (const spec::Step& inner : item.action->action.steps) {
      Item inner_item;
      inner_item.step = &inner;
      if (inner.uses) {
        auto resolved =
            context_.resolver
                ? context_.resolver->resolve(inner.uses->text, context_.options.workspace)
                : Result<std::shared_ptr<const ResolvedAction>>(Error{"no action resolver", {}});
        if (resolved.ok())
          inner_item.action = *resolved;
        else
          inner_item.resolve_error = resolved.error().message;
      }
      nested.items.push_back(std::move(inner_item));
    }
    if (frames_.size() > 8) {
      StepOutcome o;
      o.error_message = "composite actions nested more than 8 deep";
      on_outcome(std::move(o));
      return;
    }
    composite_attempts_.push_back(std::move(a));
    current_.reset();
    frames_.push_back(std::move(nested));
    return;  // advance() continues with the nested frame
  }

  auto request = build_request(frame, item);
  if (!request.ok()) {
    log_line("error: " + request.error().format());
    StepOutcome o;
    o.error_message = request.error().message;
    on_outcome(std::move(o));
    return;
  }
  // Step timeout.
  if (item.step->timeout_minutes && item.phase == Phase::kMain) {
    auto minutes = eval(*item.step->timeout_minutes, eval_context(frame));
    double m = minutes.ok() ? minutes->to_number() : NAN;
    if (!std::isnan(m) && m > 0) {
      a.timer = context_.loop.add_timer(static_cast<int64_t>(m * 60000), [this] {
        if (!current_) return;
        current_->timer = 0;
        current_->timed_out = true;
        if (current_->execution) context_.executor.cancel(current_->execution);
      });
    }
  }
  request->log = a.log;
  request->masker = context_.masker;
  auto* loop = &context_.loop;
  auto alive = alive_;
  a.execution =
      context_.executor.start(std::move(*request), [loop, alive, this](StepOutcome outcome) {
        loop->post([alive, this, outcome = std::move(outcome)]() mutable {
          if (*alive) on_outcome(std::move(outcome));
        });
      });
}

Result<StepRequest> JobRun::build_request(const Frame& frame, const Item& item) {
  const spec::Step& step = *item.step;
  const RunOptions& options = context_.options;
  expr::EvalContext ctx = eval_context(frame);
  StepRequest request;

  std::string action_name = step.id.empty() ? "__run_" + std::to_string(step_counter_) : step.id;
  ++step_counter_;
  std::map<std::string, std::string> env = options.base_env;
  for (auto& [k, v] :
       default_step_env(options, ctx.contexts.get("github"), in_.planned->job_id, action_name))
    env[k] = v;
  for (auto& [k, v] : context_env(frame)) env[k] = v;
  Value* env_context = ctx.contexts.find("env");
  for (const auto& [k, scalar] : step.env) {
    auto value = eval(scalar, ctx);
    if (!value.ok()) return value.error();
    env[k] = value->to_string();
    env_context->set(k, value->to_string());
  }
  env["PATH"] =
      prepend_path(github_path_, env.count("PATH") ? env["PATH"] : "/usr/local/bin:/usr/bin:/bin");
  if (frame.action) env["GITHUB_ACTION_PATH"] = frame.action->dir;  // steps of a composite action

  // Working directory: step, then job defaults, then workflow defaults; relative to the workspace.
  const spec::Job& job = *in_.planned->job;
  const spec::Workflow& workflow = *in_.planned->workflow;
  std::optional<spec::Scalar> dir = step.working_directory;
  if (!dir && !frame.action)
    dir = job.defaults.working_directory ? job.defaults.working_directory
                                         : workflow.defaults.working_directory;
  std::filesystem::path cwd = options.workspace;
  if (dir) {
    auto value = eval(*dir, ctx);
    if (!value.ok()) return value.error();
    cwd = cwd / value->to_string();
  }
  request.working_directory = cwd.lexically_normal().string();
  if (!std::filesystem::is_directory(request.working_directory))
    return Error{"working-directory '" + request.working_directory + "' does not exist",
                 dir ? dir->pos : step.pos};

  // One directory per job instance and attempt; the executor names each step's files
  // uniquely inside it and removes them once read.
  std::filesystem::path temp =
      std::filesystem::path(options.step_files_dir.empty() ? options.temp_dir
                                                           : options.step_files_dir) /
      dir_name_;
  std::error_code ec;
  std::filesystem::create_directories(temp, ec);
  if (ec) return Error{"cannot create " + temp.string() + ": " + ec.message(), {}};
  request.temp_dir = temp.string();

  if (item.action) {
    const ResolvedAction& action = *item.action;
    std::map<std::string, std::string> inputs = item.action_inputs;
    if (item.phase != Phase::kPost) {  // pre and main read the step's `with:`
      auto evaluated = action_inputs(
          action, step, ctx,
          [this](const spec::Scalar& s, const expr::EvalContext& c) { return eval(s, c); });
      if (!evaluated.ok()) return evaluated.error();
      inputs = *evaluated;
      last_action_inputs_ = inputs;
    }
    for (const auto& [k, v] : inputs) env[input_env_name(k)] = v;
    env["GITHUB_ACTION_PATH"] = action.dir;
    env["GITHUB_ACTION_REPOSITORY"] = action.uses;
    if (action.kind == ResolvedAction::Kind::kNode) {
      request.kind = StepRequest::Kind::kNode;
      const std::string& entry = item.phase == Phase::kPre    ? action.action.pre
                                 : item.phase == Phase::kPost ? action.action.post
                                                              : action.action.main;
      request.script_path = (std::filesystem::path(action.dir) / entry).string();
      for (const auto& [k, v] : item.saved_state) env["STATE_" + k] = v;
    } else {
      request.kind = StepRequest::Kind::kScript;
      request.shell = "bash";
      request.script = action.builtin_script;
    }
  } else {
    auto script = eval(*step.run, ctx);
    if (!script.ok()) return script.error();
    request.script = script->to_string();
    std::optional<spec::Scalar> shell = step.shell;
    if (!shell && !frame.action)
      shell = job.defaults.shell ? job.defaults.shell : workflow.defaults.shell;
    if (shell) {
      auto value = eval(*shell, ctx);
      if (!value.ok()) return value.error();
      request.shell = value->to_string();
    } else if (frame.action) {
      return Error{"a `run` step of a composite action needs `shell:`", step.pos};
    }
  }
  if (step.retry) request.log_pattern = step.retry->log_pattern;
  request.env = std::move(env);
  return request;
}

void JobRun::on_outcome(StepOutcome outcome) {
  Attempt& a = *current_;
  if (a.timer) {
    context_.loop.cancel_timer(a.timer);
    a.timer = 0;
  }
  a.execution = 0;
  const Item& item = a.item;
  for (Annotation annotation : outcome.annotations) {
    annotation.run_id = in_.run_id;
    annotation.job_key = in_.key;
    annotation.step_index = a.record_index;
    annotation.message = context_.masker->mask(annotation.message);
    if (auto s = context_.store.add_annotation(annotation); !s.ok())
      context_.report_error(s.error().message);
    if (context_.observer) context_.observer->on_annotation(annotation);
  }
  summary_ += outcome.summary;
  for (const auto& [k, v] : outcome.env) github_env_[k] = v;
  for (const auto& p : outcome.path) github_path_.push_back(p);
  if (item.action && item.action->kind == ResolvedAction::Kind::kNode &&
      item.phase == Phase::kMain && !item.action->action.post.empty() && outcome.started) {
    Item post = item;
    post.phase = Phase::kPost;
    post.post_if = item.action->action.post_if ? item.action->action.post_if->text : "always()";
    for (const auto& [k, v] : outcome.state) post.saved_state[k] = v;
    post.action_inputs = last_action_inputs_;
    posts_.push_back(std::move(post));
  }
  if (!outcome.error_message.empty()) log_line("error: " + outcome.error_message);

  std::string failure = classify_failure(outcome, a.timed_out);
  // A malformed GITHUB_OUTPUT/GITHUB_ENV fails the step, as on GitHub's runner.
  if (failure.empty() && !outcome.error_message.empty()) failure = "file-command";
  RunStatus status = failure.empty()          ? RunStatus::kSuccess
                     : failure == "timeout"   ? RunStatus::kTimedOut
                     : failure == "cancelled" ? RunStatus::kCancelled
                                              : RunStatus::kFailure;
  std::string reason;
  if (failure == "exit-code" || (failure == "signal" && outcome.signal == 0))
    reason = "exit code " + std::to_string(outcome.exit_code);
  else if (failure == "signal")
    reason = "killed by signal " + std::to_string(outcome.signal);
  else if (failure == "timeout")
    reason = "timed out";
  else if (failure == "cancelled")
    reason = "cancelled";
  else if (failure == "start-error" || failure == "file-command")
    reason = outcome.error_message;
  a.record.exit_code = outcome.exit_code;
  a.record.signal = outcome.signal;
  a.record.reason = reason;

  const std::optional<spec::RetryPolicy>& policy = item.step->retry;
  if (status != RunStatus::kSuccess && a.owns_attempt && policy && !cancelled_ &&
      retry_allows(*policy, a.number, failure, outcome.exit_code, outcome.log_pattern_matched)) {
    int64_t delay = retry_delay_ms(*policy, a.number);
    a.record.reason += "; retrying in " + std::to_string(delay / 1000.0).substr(0, 4) + "s";
    complete_attempt(a, status, failure);
    log_line("sluice: attempt " + std::to_string(a.number) + " failed (" + reason + "); retrying");
    a.number++;
    a.timed_out = false;
    a.timer = context_.loop.add_timer(delay, [this] {
      current_->timer = 0;
      start_attempt();
    });
    return;
  }
  complete_attempt(a, status, failure);
  std::vector<std::pair<std::string, std::string>> outputs;
  for (const auto& [k, v] : outcome.outputs) outputs.emplace_back(k, context_.masker->mask(v));
  Item finished = std::move(a.item);
  int record_index = a.record_index;
  steps_[record_index].exit_code = outcome.exit_code;
  current_.reset();
  finish_step(record_index, frames_.back(), finished, status, reason, failure, outputs);
  advance();
}

void JobRun::complete_attempt(Attempt& a, RunStatus status, const std::string& failure_class) {
  if (!a.owns_attempt) return;
  a.record.status = status;
  a.record.failure_class = failure_class;
  a.record.finished_ms = context_.clock.now_ms();
  if (a.log) {
    a.log->close();
    a.record.log_lines = a.log->lines();
    a.record.log_bytes = a.log->bytes();
    if (std::string error = a.log->error(); !error.empty())
      context_.report_error("step log: " + error);
  }
  save_attempt(a.record);
}

void JobRun::finish_step(int record_index, Frame& frame, const Item& item, RunStatus outcome,
                         const std::string& reason, const std::string& failure_class,
                         const std::vector<std::pair<std::string, std::string>>& outputs) {
  const spec::Step& step = *item.step;
  RunStatus conclusion = outcome;
  bool failed = outcome == RunStatus::kFailure || outcome == RunStatus::kTimedOut;
  if (failed && step.continue_on_error && item.phase == Phase::kMain) {
    auto allowed = eval(*step.continue_on_error, eval_context(frame));
    if (allowed.ok() && allowed->truthy()) {
      conclusion = RunStatus::kSuccess;
      failed = false;
    }
  }
  if (!step.id.empty() && item.phase == Phase::kMain) {
    Value entry = Value::object();
    entry.set("outputs", outputs_object(outputs));
    entry.set("outcome", github_result(outcome));
    entry.set("conclusion", github_result(conclusion));
    frame.steps.set(step.id, entry);
  }
  if (failed) {
    frame.failed = true;
    if (frames_.size() == 1) {
      failed_ = true;
      if (failure_class_.empty()) {
        failure_class_ = failure_class.empty() ? "exit-code" : failure_class;
        exit_code_ = steps_[record_index].exit_code;
      }
    }
  }
  if (frame.action) {  // inside a composite: its record belongs to the composite step
    log_line("sluice: step '" + step_display_name(item, eval_context(frame)) + "' " +
             to_string(conclusion) + (reason.empty() ? "" : " (" + reason + ")"));
    return;
  }
  StepRecord& rec = steps_[record_index];
  rec.status = conclusion;
  rec.outcome = outcome;
  rec.reason = reason;
  if (rec.started_ms == 0) rec.started_ms = context_.clock.now_ms();
  rec.finished_ms = context_.clock.now_ms();
  Value o = outputs_object(outputs);
  rec.outputs_json = outputs.empty() ? "" : to_json(o);
  save_step(rec);
}

void JobRun::finish_frame() {
  Frame nested = std::move(frames_.back());
  frames_.pop_back();
  Attempt a = std::move(composite_attempts_.back());
  composite_attempts_.pop_back();
  std::vector<std::pair<std::string, std::string>> outputs;
  expr::EvalContext ctx = eval_context(nested);
  for (const auto& [key, scalar] : nested.action->action.outputs) {
    auto value = eval(scalar, ctx);
    outputs.emplace_back(key, context_.masker->mask(value.ok() ? value->to_string() : ""));
  }
  RunStatus status = nested.failed ? RunStatus::kFailure
                     : cancelled_  ? RunStatus::kCancelled
                                   : RunStatus::kSuccess;
  std::string failure = nested.failed ? "exit-code" : cancelled_ ? "cancelled" : "";
  a.record.reason = nested.failed ? "a step of the composite action failed" : "";
  current_ = std::move(a);  // so that log_line() and complete_attempt() see it
  complete_attempt(*current_, status, failure);
  Item item = std::move(current_->item);
  int record_index = current_->record_index;
  current_.reset();
  finish_step(record_index, frames_.back(), item, status,
              status == RunStatus::kFailure ? "composite step failed" : "", failure, outputs);
}

void JobRun::finish_job() {
  if (job_timer_) {
    context_.loop.cancel_timer(job_timer_);
    job_timer_ = 0;
  }
  expr::EvalContext ctx = eval_context(frames_.front());
  for (const auto& [key, scalar] : in_.planned->job->outputs) {
    auto value = eval(scalar, ctx);
    outputs_.set(key, context_.masker->mask(value.ok() ? value->to_string() : ""));
  }
  record_.status = timed_out_   ? RunStatus::kTimedOut
                   : cancelled_ ? RunStatus::kCancelled
                   : failed_    ? RunStatus::kFailure
                                : RunStatus::kSuccess;
  if (timed_out_) failure_class_ = "timeout";
  record_.finished_ms = context_.clock.now_ms();
  record_.outputs_json = outputs_.as_object().empty() ? "" : to_json(outputs_);
  if (auto s = context_.store.save_job(record_); !s.ok()) context_.report_error(s.error().message);
  if (context_.observer) context_.observer->on_job(record_);
  finished_ = true;
  on_finished_();
}

std::shared_ptr<LogWriter> JobRun::active_log() const {
  if (current_ && current_->log) return current_->log;
  return composite_attempts_.empty() ? nullptr : composite_attempts_.back().log;
}

void JobRun::log_line(const std::string& line) {
  if (auto log = active_log()) log->append_line(context_.masker->mask(line));
}

void JobRun::save_step(const StepRecord& record) {
  if (auto s = context_.store.save_step(record); !s.ok()) context_.report_error(s.error().message);
  if (context_.observer) context_.observer->on_step(record);
}

void JobRun::save_attempt(const AttemptRecord& record) {
  if (auto s = context_.store.save_attempt(record); !s.ok())
    context_.report_error(s.error().message);
  if (context_.observer) context_.observer->on_attempt(record);
}

}  // namespace sluice::engine
