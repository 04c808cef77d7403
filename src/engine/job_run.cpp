// JobRun, the lifecycle side: the job's start and end, and each step from its `if` through
// its attempts to its conclusion. Contexts, evaluation and requests: job_run_request.cpp.
#include "engine/job_run.h"

#include <algorithm>
#include <tuple>

#include "core/json.h"
#include "engine/retry.h"
#include "engine/scalar_value.h"
#include "engine/step_environment.h"

namespace sluice::engine {
namespace {

Value outputs_object(const std::vector<std::pair<std::string, std::string>>& outputs) {
  Value o = Value::object();
  for (const auto& [k, v] : outputs) o.set(k, v);
  return o;
}

constexpr int kMaxCompositeDepth = 8;

}  // namespace

JobRun::JobRun(RunContext& context, JobRunInputs inputs, std::function<void()> on_finished)
    : context_(context), in_(std::move(inputs)), on_finished_(std::move(on_finished)) {
  record_.run_id = in_.run_id;
  record_.key = in_.key;
  record_.job_id = in_.planned->job_id;
  record_.name = in_.key;
  record_.attempt = in_.job_attempt;
  if (!in_.matrix.is_null()) record_.matrix_json = to_json(in_.matrix);
  record_.needs_json = needs_to_json(in_.planned->needs);
}

JobRun::~JobRun() {
  *alive_ = false;
  if (job_timer_) context_.loop.cancel_timer(job_timer_);
  if (current_ && current_->timer) context_.loop.cancel_timer(current_->timer);
}

// --- the job ----------------------------------------------------------------------------

void JobRun::start() {
  const spec::Job& job = *in_.planned->job;
  record_.status = RunStatus::kRunning;
  record_.started_ms = context_.clock.now_ms();
  Frame top;
  expr::EvalContext ctx = eval_context(top);
  evaluate_job_settings(ctx);
  // Resolve every `uses:` now, so that `pre:` steps can run first.
  std::vector<Item> pres;
  for (const spec::Step& step : job.steps) {
    Item item = resolve_item(step);
    if (item.action &&
        ((item.action->kind == ResolvedAction::Kind::kNode && !item.action->action.pre.empty()) ||
         (item.action->kind == ResolvedAction::Kind::kDocker &&
          !item.action->action.pre_entrypoint.empty()))) {
      Item pre = item;
      pre.phase = Phase::kPre;
      pres.push_back(pre);
    }
    top.items.push_back(std::move(item));
  }
  top.items.insert(top.items.begin(), pres.begin(), pres.end());
  add_container_steps(top, ctx);
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
  // Stored as running, not only shown: `sluice show` and crash recovery read the store.
  if (auto s = context_.store.save_job(record_); !s.ok()) context_.report_error(s.error().message);
  if (context_.observer) context_.observer->on_job(record_);
  advance();
}

// The job's name, env and timeout. An error fails the job: its steps are then skipped
// unless their `if` says otherwise, as on GitHub.
void JobRun::evaluate_job_settings(const expr::EvalContext& ctx) {
  const spec::Job& job = *in_.planned->job;
  if (in_.setup_error) return fail_job(*in_.setup_error);
  if (job.name) {
    auto name = evaluate_scalar(*job.name, ctx);
    if (!name.ok()) return fail_job(name.error());
    record_.name = context_.masker->mask(name->to_string()) +
                   (in_.matrix.is_null() ? "" : in_.key.substr(in_.key.find(" (")));
  }
  for (const auto& [k, v] : job.env) {
    auto value = evaluate_scalar(v, ctx);
    if (!value.ok()) return fail_job(value.error());
    job_env_[k] = value->to_string();
  }
  // GitHub's default job timeout is 360 minutes.
  auto ms = job.timeout_minutes ? timeout_ms(*job.timeout_minutes, ctx) : Result<int64_t>(21600000);
  if (!ms.ok()) return fail_job(ms.error());
  job_deadline_ms_ = context_.clock.now_ms() + *ms;
  job_timer_ = context_.loop.add_timer(*ms, [this] {
    job_timer_ = 0;
    cancel(true);
  });
}

void JobRun::fail_job(const Error& error) {
  failed_ = true;
  if (record_.reason.empty()) record_.reason = context_.masker->mask(error.located_message());
}

JobRun::Item JobRun::resolve_item(const spec::Step& step) {
  Item item;
  item.step = &step;
  item.instance = ++instances_;
  // A local action is in the workspace, which the job's own steps may write.
  if (step.uses && step.action && step.action->kind == spec::ActionRef::Kind::kLocal) {
    item.resolve_at_start = true;
  } else if (step.uses) {
    resolve_action(item);
  }
  return item;
}

void JobRun::resolve_action(Item& item) {
  const spec::Step& step = *item.step;
  item.action.reset();
  item.resolve_error.reset();
  if (!context_.resolver) {
    item.resolve_error =
        Error{"cannot run action '" + step.uses->text + "': no action resolver", step.uses->pos};
    return;
  }
  auto resolved = context_.resolver->resolve(step.uses->text, context_.options.workspace);
  if (resolved.ok()) {
    item.action = *resolved;
    resolved_.push_back(item.action);
  } else {
    item.resolve_error = resolved.error();
    if (item.resolve_error->pos.line == 0) item.resolve_error->pos = step.uses->pos;
  }
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

void JobRun::lose(const std::string& reason) {
  if (!finished_) fail_job(Error{reason, {}});
}

void JobRun::finish_job() {
  if (job_timer_) {
    context_.loop.cancel_timer(job_timer_);
    job_timer_ = 0;
  }
  expr::EvalContext ctx = eval_context(frames_.front());
  for (const auto& [key, scalar] : in_.planned->job->outputs) {
    auto value = evaluate_scalar(scalar, ctx);
    if (!value.ok()) {
      fail_job(value.error());
      continue;
    }
    outputs_.set(key, context_.masker->mask(value->to_string()));
  }
  record_.status = timed_out_   ? RunStatus::kTimedOut
                   : cancelled_ ? RunStatus::kCancelled
                   : failed_    ? RunStatus::kFailure
                                : RunStatus::kSuccess;
  if (timed_out_) failure_class_ = FailureClass::kTimeout;
  record_.finished_ms = context_.clock.now_ms();
  record_.outputs_json = outputs_.as_object().empty() ? "" : to_json(outputs_);
  if (auto s = context_.store.save_job(record_); !s.ok())
    context_.report_store_error(s.error().message);
  if (context_.observer) context_.observer->on_job(record_);
  finished_ = true;
  on_finished_();
}

// --- steps ------------------------------------------------------------------------------

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
  // The name again, now that `steps` holds the earlier steps' outcomes and outputs (GitHub
  // evaluates it when the step starts); the one computed at job start was a placeholder.
  if (frames_.size() == 1) steps_[record_index].name = step_display_name(item, eval_context(frame));
  auto run = should_run(frame, item);
  if (!run.ok()) {
    StepEnd end{RunStatus::kFailure, run.error().located_message(), FailureClass::kStartError, {}};
    finish_step(record_index, frame, item, std::move(end));
    return;
  }
  if (!*run) {
    StepEnd end{cancelled_ ? RunStatus::kCancelled : RunStatus::kSkipped,
                skip_reason(frame, item),
                FailureClass::kNone,
                {}};
    finish_step(record_index, frame, item, std::move(end));
    return;
  }
  Attempt attempt;
  attempt.record_index = record_index;
  attempt.item = std::move(item);
  attempt.owns_attempt = frames_.size() == 1;
  current_ = std::move(attempt);
  start_attempt();
}

// Why a step whose condition was false did not run. A step without `if:` has the implicit
// success(): say that an earlier failure stopped it, not that a condition it does not have
// was false.
std::string JobRun::skip_reason(const Frame& frame, const Item& item) const {
  if (cancelled_) return "run cancelled";
  bool implicit = (item.phase == Phase::kMain && !item.step->if_condition) ||
                  item.phase == Phase::kContainersStart;
  if (implicit && frame.failed) return "not run: an earlier step failed";
  if (implicit && failed_) return "not run: the job failed";
  return item.phase == Phase::kMain  ? "if: condition was false"
         : item.phase == Phase::kPre ? "pre-if: condition was false"
                                     : "post-if: condition was false";
}

// One attempt of the current step: a composite action opens a nested frame; any other step
// becomes a StepRequest for the executor. Whatever stops it from starting fails the
// attempt with the error's place in the file (and may be retried like any failure).
void JobRun::start_attempt() {
  Attempt& a = *current_;
  open_attempt(a);
  if (a.item.resolve_at_start) {  // read now: an earlier step may have written it
    resolve_action(a.item);
    const ResolvedAction* action = a.item.action.get();
    if (action &&
        ((action->kind == ResolvedAction::Kind::kNode && !action->action.pre.empty()) ||
         (action->kind == ResolvedAction::Kind::kDocker && !action->action.pre_entrypoint.empty())))
      log_line("warning: `pre` execution is not supported for local action from '" + action->uses +
               "'");
  }
  const Item& item = a.item;
  if (item.resolve_error) return fail_to_start(*item.resolve_error);
  if (item.step->name) {  // the display name fell back to the text if it did not evaluate
    auto name = evaluate_scalar(*item.step->name, eval_context(frames_.back()));
    if (!name.ok()) return fail_to_start(name.error());
  }
  if (item.action && item.action->kind == ResolvedAction::Kind::kComposite &&
      item.phase == Phase::kMain)
    return start_composite(a);
  auto request = build_request(frames_.back(), item);
  if (!request.ok()) return fail_to_start(request.error());
  if (Status s = start_step_timer(a, frames_.back()); !s.ok()) return fail_to_start(s.error());
  launch(a, std::move(*request));
}

// The attempt's record and log. Steps inside a composite action share the composite's.
void JobRun::open_attempt(Attempt& a) {
  if (!a.owns_attempt) {
    a.log = active_log();
    return;
  }
  StepRecord& rec = steps_[a.record_index];
  int64_t now = context_.clock.now_ms();
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
    context_.report_store_error("cannot open step log: " + log.error().message);
  } else {
    a.log = *log;
  }
  save_attempt(a.record);
}

// A composite action: its steps run in a nested frame that logs into this step;
// advance() goes on with that frame.
void JobRun::start_composite(Attempt& a) {
  if (frames_.size() > kMaxCompositeDepth) {
    return fail_to_start(
        Error{"composite actions nested more than " + std::to_string(kMaxCompositeDepth) + " deep",
              a.item.step->pos});
  }
  auto nested = composite_frame(a.item, a.record_index);
  if (!nested.ok()) return fail_to_start(nested.error());
  composite_attempts_.push_back(std::move(a));
  current_.reset();
  frames_.push_back(std::move(*nested));
}

Result<JobRun::Frame> JobRun::composite_frame(const Item& item, int record_index) {
  expr::EvalContext ctx = eval_context(frames_.back());
  Frame nested;
  nested.action = item.action;
  nested.record_index = record_index;
  auto inputs = action_inputs(
      *item.action, *item.step, ctx,
      [](const spec::Scalar& s, const expr::EvalContext& c) { return evaluate_scalar(s, c); });
  if (!inputs.ok()) return inputs.error();
  for (const auto& [k, v] : *inputs) nested.inputs.set(k, v);
  for (const auto& [k, v] : item.step->env) {
    auto value = evaluate_scalar(v, ctx);
    if (!value.ok()) return value.error();
    nested.env[k] = value->to_string();
  }
  for (const spec::Step& inner : item.action->action.steps)
    nested.items.push_back(resolve_item(inner));
  return nested;
}

// The step's own timeout-minutes (pre and post steps have none).
Status JobRun::start_step_timer(Attempt& a, const Frame& frame) {
  const std::optional<spec::Scalar>& minutes = a.item.step->timeout_minutes;
  if (!minutes || a.item.phase != Phase::kMain) return Status::Ok();
  auto ms = timeout_ms(*minutes, eval_context(frame));
  if (!ms.ok()) return ms.error();
  a.timeout_ms = *ms;
  a.timer = context_.loop.add_timer(*ms, [this] {
    if (!current_) return;
    current_->timer = 0;
    current_->timed_out = true;
    if (current_->execution) context_.executor.cancel(current_->execution);
  });
  return Status::Ok();
}

void JobRun::launch(Attempt& a, StepRequest request) {
  request.log = a.log;
  request.masker = context_.masker;
  request.record_index = a.owns_attempt ? a.record_index : -1;
  request.record_attempt = a.number;
  if (a.owns_attempt) request.held = held_terms(a);
  auto* loop = &context_.loop;
  auto alive = alive_;
  a.execution =
      context_.executor.start(std::move(request), [loop, alive, this](StepOutcome outcome) {
        loop->post([alive, this, outcome = std::move(outcome)]() mutable {
          if (*alive) on_outcome(std::move(outcome));
        });
      });
}

// What the attempt's result decides if the engine is gone when it ends (HeldTerms).
HeldTerms JobRun::held_terms(const Attempt& a) {
  HeldTerms t;
  int64_t now = context_.clock.now_ms();
  if (job_deadline_ms_ > 0) t.timeout_ms = std::max<int64_t>(1, job_deadline_ms_ - now);
  if (a.timeout_ms > 0)
    t.timeout_ms = t.timeout_ms ? std::min(t.timeout_ms, a.timeout_ms) : a.timeout_ms;
  std::string ignored;  // an expression that does not evaluate counts as false, as at the end
  t.continue_on_error = continues_on_error(frames_.back(), a.item, ignored);
  const Frame& top = frames_.front();
  const Item& item = a.item;
  bool node = item.action && item.action->kind == ResolvedAction::Kind::kNode;
  bool docker = item.action && item.action->kind == ResolvedAction::Kind::kDocker;
  bool leaves_post =
      item.phase == Phase::kMain && ((node && !item.action->action.post.empty()) ||
                                     (docker && !item.action->action.post_entrypoint.empty()));
  bool retry_left = item.step->retry && a.number < item.step->retry->max_attempts;
  const spec::Job& job = *in_.planned->job;
  t.closes_job = frames_.size() == 1 && top.next >= top.items.size() &&
                 (posts_added_ || posts_.empty()) && !leaves_post && !retry_left &&
                 job.outputs.empty() && !job.retry && !cancelled_;
  t.job_failed = failed_;
  if (t.closes_job && in_.run_if_last)
    if (auto run = in_.run_if_last()) std::tie(t.run_if_success, t.run_if_failure) = *run;
  return t;
}

void JobRun::fail_to_start(const Error& error) {
  StepOutcome o;
  o.error_message = error.located_message();
  on_outcome(std::move(o));
}

void JobRun::on_outcome(StepOutcome outcome) {
  Attempt& a = *current_;
  if (a.timer) {
    context_.loop.cancel_timer(a.timer);
    a.timer = 0;
  }
  a.execution = 0;
  take_effects(outcome, a.item);
  if (a.item.phase == Phase::kContainersStart) record_containers(outcome.outputs);
  if (!outcome.error_message.empty()) log_line("error: " + outcome.error_message);

  FailureClass failure = classify_failure(outcome, a.timed_out);
  RunStatus status = attempt_status(failure);
  std::string reason = failure_reason(failure, outcome);
  a.record.exit_code = outcome.exit_code;
  a.record.signal = outcome.signal;
  a.record.reason = reason;
  if (status != RunStatus::kSuccess && retry_later(a, failure, outcome)) return;

  complete_attempt(a, status, failure);
  StepEnd end{status, reason, failure, {}};
  for (const auto& [k, v] : outcome.outputs) end.outputs.emplace_back(k, context_.masker->mask(v));
  Item finished = std::move(a.item);
  int record_index = a.record_index;
  steps_[record_index].exit_code = outcome.exit_code;
  current_.reset();
  finish_step(record_index, frames_.back(), finished, std::move(end));
  advance();
}

// What a step leaves for the rest of the job, whatever its result: annotations, its
// summary, GITHUB_ENV / GITHUB_PATH, a node action's saved state, and the post step of a
// node action that started.
void JobRun::take_effects(const StepOutcome& outcome, const Item& item) {
  for (Annotation annotation : outcome.annotations) {
    annotation.run_id = in_.run_id;
    annotation.job_key = in_.key;
    annotation.step_index = current_->record_index;
    annotation.message = context_.masker->mask(annotation.message);
    if (auto s = context_.store.add_annotation(annotation); !s.ok())
      context_.report_store_error(s.error().message);
    if (context_.observer) context_.observer->on_annotation(annotation);
  }
  summary_ += context_.masker->mask(outcome.summary);  // written to the data directory
  for (const auto& [k, v] : outcome.env) github_env_[k] = v;
  for (const auto& p : outcome.path) github_path_.push_back(p);
  bool node = item.action && item.action->kind == ResolvedAction::Kind::kNode;
  if (node) {  // for the action's later steps (main after pre, post after both)
    for (const auto& [k, v] : outcome.state) action_state_[item.instance][k] = v;
  }
  const spec::Action* action = item.action ? &item.action->action : nullptr;
  if (action && item.phase == Phase::kMain && outcome.started &&
      ((node && !action->post.empty()) ||
       (item.action->kind == ResolvedAction::Kind::kDocker && !action->post_entrypoint.empty()))) {
    Item post = item;
    post.phase = Phase::kPost;
    post.action_inputs = last_action_inputs_;
    posts_.push_back(std::move(post));
  }
}

// Schedules the next attempt after the backoff when the step's retry policy covers this
// failure; false when the step ends here.
bool JobRun::retry_later(Attempt& a, FailureClass failure, const StepOutcome& outcome) {
  const std::optional<spec::RetryPolicy>& policy = a.item.step->retry;
  if (!a.owns_attempt || !policy || cancelled_ ||
      !retry_allows(*policy, a.number, failure, outcome.exit_code, outcome.log_pattern_matched))
    return false;
  int64_t delay = retry_delay_ms(*policy, a.number);
  std::string reason = a.record.reason;
  a.record.reason += "; retrying in " + std::to_string(delay / 1000.0).substr(0, 4) + "s";
  complete_attempt(a, attempt_status(failure), failure);
  log_line("sluice: attempt " + std::to_string(a.number) + " failed (" + reason + "); retrying");
  a.number++;
  a.timed_out = false;
  a.timer = context_.loop.add_timer(delay, [this] {
    current_->timer = 0;
    start_attempt();
  });
  return true;
}

void JobRun::complete_attempt(Attempt& a, RunStatus status, FailureClass failure) {
  if (!a.owns_attempt) return;
  a.record.status = status;
  a.record.failure_class = failure;
  a.record.finished_ms = context_.clock.now_ms();
  if (a.log) {
    a.log->close();
    a.record.log_lines = a.log->lines();
    a.record.log_bytes = a.log->bytes();
    if (std::string error = a.log->error(); !error.empty())
      context_.report_store_error("step log: " + error);
  }
  save_attempt(a.record);
}

void JobRun::finish_step(int record_index, Frame& frame, const Item& item, StepEnd end) {
  const spec::Step& step = *item.step;
  RunStatus conclusion = end.outcome;
  bool failed = end.outcome == RunStatus::kFailure || end.outcome == RunStatus::kTimedOut;
  if (failed && continues_on_error(frame, item, end.reason)) {
    conclusion = RunStatus::kSuccess;
    failed = false;
  }
  if (!step.id.empty() && item.phase == Phase::kMain) {
    Value entry = Value::object();
    entry.set("outputs", outputs_object(end.outputs));
    entry.set("outcome", github_result(end.outcome));
    entry.set("conclusion", github_result(conclusion));
    frame.steps.set(step.id, entry);
  }
  if (failed) {
    if (frame.action && frame.failure.empty())  // the composite step's reason names it
      frame.failure = "step '" + step_display_name(item, eval_context(frame)) + "' failed" +
                      (end.reason.empty() ? "" : ": " + end.reason);
    frame.failed = true;
    if (frames_.size() == 1) {
      failed_ = true;
      if (failure_class_ == FailureClass::kNone) {
        failure_class_ = end.failure == FailureClass::kNone ? FailureClass::kExitCode : end.failure;
        exit_code_ = steps_[record_index].exit_code;
      }
    }
  }
  std::string reason = context_.masker->mask(end.reason);
  if (frame.action) {  // inside a composite: its record belongs to the composite step
    // Steps that an inner failure stopped are not listed one by one: the failure would
    // scroll out of the log tail that `sluice run` prints under the failed step.
    bool stopped_by_failure = end.outcome == RunStatus::kSkipped && frame.failed &&
                              item.phase == Phase::kMain && !step.if_condition;
    if (!stopped_by_failure)
      log_line("sluice: step '" + step_display_name(item, eval_context(frame)) + "' " +
               to_string(conclusion) + (reason.empty() ? "" : " (" + reason + ")"));
    return;
  }
  StepRecord& rec = steps_[record_index];
  if (item.action) rec.action_sha = item.action->sha;
  rec.status = conclusion;
  rec.outcome = end.outcome;
  rec.reason = reason;
  if (rec.started_ms == 0) rec.started_ms = context_.clock.now_ms();
  rec.finished_ms = context_.clock.now_ms();
  Value o = outputs_object(end.outputs);
  rec.outputs_json = end.outputs.empty() ? "" : to_json(o);
  save_step(rec);
}

// Whether a failed step's `continue-on-error` lets the job go on. An expression that does
// not evaluate counts as false and is added to the step's reason.
bool JobRun::continues_on_error(const Frame& frame, const Item& item, std::string& reason) {
  const std::optional<spec::Scalar>& allowed = item.step->continue_on_error;
  if (!allowed || item.phase != Phase::kMain) return false;
  auto value = evaluate_scalar(*allowed, eval_context(frame));
  if (!value.ok()) {
    reason += (reason.empty() ? "" : "; ") + value.error().located_message();
    return false;
  }
  return value->truthy();
}

void JobRun::finish_frame() {
  Frame nested = std::move(frames_.back());
  frames_.pop_back();
  current_ = std::move(composite_attempts_.back());  // so that log_line() sees its log
  composite_attempts_.pop_back();
  Attempt& a = *current_;
  StepEnd end;
  expr::EvalContext ctx = eval_context(nested);
  for (const auto& [key, scalar] : nested.action->action.outputs) {
    auto value = evaluate_scalar(scalar, ctx);
    if (!value.ok()) {
      log_line("error: " + value.error().located_message());
      if (end.reason.empty()) end.reason = value.error().located_message();
      nested.failed = true;
      continue;
    }
    end.outputs.emplace_back(key, context_.masker->mask(value->to_string()));
  }
  end.outcome = nested.failed ? RunStatus::kFailure
                : cancelled_  ? RunStatus::kCancelled
                              : RunStatus::kSuccess;
  end.failure = nested.failed ? FailureClass::kExitCode
                : cancelled_  ? FailureClass::kCancelled
                              : FailureClass::kNone;
  if (nested.failed && end.reason.empty())
    end.reason = nested.failure.empty() ? "a step of the composite action failed" : nested.failure;
  a.record.reason = end.reason;
  complete_attempt(a, end.outcome, end.failure);
  Item item = std::move(a.item);
  int record_index = a.record_index;
  current_.reset();
  finish_step(record_index, frames_.back(), item, std::move(end));
}

std::shared_ptr<LogWriter> JobRun::active_log() const {
  if (current_ && current_->log) return current_->log;
  return composite_attempts_.empty() ? nullptr : composite_attempts_.back().log;
}

void JobRun::log_line(const std::string& line) {
  if (auto log = active_log()) log->append_line(context_.masker->mask(line));
}

void JobRun::save_step(const StepRecord& record) {
  if (auto s = context_.store.save_step(record); !s.ok())
    context_.report_store_error(s.error().message);
  if (context_.observer) context_.observer->on_step(record);
}

void JobRun::save_attempt(const AttemptRecord& record) {
  if (auto s = context_.store.save_attempt(record); !s.ok())
    context_.report_store_error(s.error().message);
  if (context_.observer) context_.observer->on_attempt(record);
}

}  // namespace sluice::engine
