// JobRun, the expression side: the contexts a step sees, evaluation with errors placed in
// the file, and the StepRequest a step becomes. Pure: paths are joined, never looked at
// (the executor checks the working directory and makes the step's files).
#include <algorithm>
#include <cmath>
#include <filesystem>

#include "engine/job_run.h"
#include "engine/scalar_value.h"
#include "engine/step_environment.h"

namespace sluice::engine {
namespace {

// Far beyond any real timeout (GitHub's maximum is 35 days); keeps minutes * 60000 exact.
constexpr double kMaxTimeoutMinutes = 1e9;

}  // namespace

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
  // Inside a remote action's steps: its repository and ref; "" elsewhere, as on GitHub.
  github.set("action_repository", frame.action ? frame.action->repository : "");
  github.set("action_ref", frame.action ? frame.action->ref : "");
  ctx.contexts.set("github", github);
  Value env = Value::object();
  for (const auto& [k, v] : context_env(frame)) env.set(k, v);
  ctx.contexts.set("env", env);
  ctx.contexts.set("vars", in_.vars ? *in_.vars : o.vars);
  ctx.contexts.set("secrets", in_.secrets);
  ctx.contexts.set("inputs", frame.action ? frame.inputs : in_.inputs);
  ctx.contexts.set("needs", in_.needs);
  ctx.contexts.set("matrix", in_.matrix.is_null() ? Value::object() : in_.matrix);
  ctx.contexts.set("strategy", in_.strategy);
  ctx.contexts.set("steps", frame.steps);
  Value job = job_containers_;  // container, services: what the start step reported
  job.set("status", cancelled_ ? "cancelled" : (failed_ || frame.failed) ? "failure" : "success");
  ctx.contexts.set("job", job);
  Value runner = Value::object();
  runner.set("name", o.runner_name);
  runner.set("os", "Linux");
  runner.set("arch", runner_arch());
  runner.set("temp", o.temp_dir);
  runner.set("tool_cache", tool_cache_dir(o));
  runner.set("workspace", o.workspace);
  runner.set("debug", "");
  ctx.contexts.set("runner", runner);
  ctx.status.failed = failed_ || frame.failed;
  ctx.status.cancelled = cancelled_;
  ctx.workspace = o.workspace;
  return ctx;
}

Result<bool> JobRun::eval_if(const std::string& condition, const spec::Scalar* where,
                             const expr::EvalContext& ctx) const {
  auto parsed = expr::parse_condition(condition);
  Result<bool> result =
      parsed.ok() ? expr::evaluate_condition(*parsed, ctx) : Result<bool>(parsed.error());
  if (!result.ok() && where) return place_in(*where, result.error());
  return result;
}

// Whether the step runs: its `if`, or for an action's pre and post steps the action's
// `pre-if` / `post-if` (default always()), which see the action's inputs as `inputs`.
Result<bool> JobRun::should_run(const Frame& frame, const Item& item) {
  expr::EvalContext ctx = eval_context(frame);
  const spec::Step& step = *item.step;
  if (item.phase == Phase::kContainersStart) return eval_if("", nullptr, ctx);
  if (item.phase == Phase::kContainersStop) return eval_if("always()", nullptr, ctx);
  if (item.phase == Phase::kMain) {
    if (!step.if_condition) return eval_if("", nullptr, ctx);
    return eval_if(step.if_condition->text, &*step.if_condition, ctx);
  }
  auto inputs = step_action_inputs(item, ctx);
  if (!inputs.ok()) return inputs.error();
  Value values = Value::object();
  for (const auto& [k, v] : *inputs) values.set(k, v);
  ctx.contexts.set("inputs", values);
  const spec::Action& action = item.action->action;
  const std::optional<spec::Scalar>& condition =
      item.phase == Phase::kPre ? action.pre_if : action.post_if;
  if (!condition) return eval_if("always()", nullptr, ctx);
  return eval_if(condition->text, &*condition, ctx);
}

// The inputs of an action step: the main step's for a post step (its `with:` may name
// step outputs that have changed since), else the step's `with:` and the defaults.
Result<std::map<std::string, std::string>> JobRun::step_action_inputs(
    const Item& item, const expr::EvalContext& ctx) const {
  if (item.phase == Phase::kPost) return item.action_inputs;
  return action_inputs(
      *item.action, *item.step, ctx,
      [](const spec::Scalar& s, const expr::EvalContext& c) { return evaluate_scalar(s, c); });
}

// timeout-minutes of the job or of a step: a positive number of minutes, or an error at its
// place in the file (the same rule and message for both).
Result<int64_t> JobRun::timeout_ms(const spec::Scalar& minutes,
                                   const expr::EvalContext& ctx) const {
  auto value = evaluate_scalar(minutes, ctx);
  if (!value.ok()) return value.error();
  double m = value->to_number();
  if (std::isnan(m) || m <= 0) {
    std::string text = context_.masker->mask(value->to_string());
    return Error{"invalid timeout-minutes '" + minutes.text + "'" +
                     (text == minutes.text ? "" : " (= '" + text + "')") +
                     ": expected a positive number of minutes",
                 minutes.pos};
  }
  return static_cast<int64_t>(std::min(m, kMaxTimeoutMinutes) * 60000);
}

std::string JobRun::step_display_name(const Item& item, const expr::EvalContext& ctx) const {
  const spec::Step& step = *item.step;
  std::string name;
  if (step.name) {
    auto v = evaluate_scalar(*step.name, ctx);
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

Result<StepRequest> JobRun::build_request(const Frame& frame, const Item& item) {
  const spec::Step& step = *item.step;
  const RunOptions& options = context_.options;
  expr::EvalContext ctx = eval_context(frame);
  StepRequest request;
  request.job_scope = in_.job_scope;

  std::string action_name = step.id.empty() ? "__run_" + std::to_string(step_counter_) : step.id;
  ++step_counter_;
  // In a container (the job's, or a Docker action's) a step sees only its own variables.
  const bool contained = runs_in_job_container(item) ||
                         (item.action && item.action->kind == ResolvedAction::Kind::kDocker);
  std::map<std::string, std::string> env;
  if (!contained) env = options.base_env;
  for (auto& [k, v] :
       default_step_env(options, ctx.contexts.get("github"), in_.planned->job_id, action_name))
    env[k] = v;
  if (options.job_env)
    for (auto& [k, v] : options.job_env(in_.run_id, in_.key)) env[k] = v;
  for (auto& [k, v] : context_env(frame)) env[k] = v;
  Value* env_context = ctx.contexts.find("env");
  for (const auto& [k, scalar] : step.env) {
    auto value = evaluate_scalar(scalar, ctx);
    if (!value.ok()) return value.error();
    env[k] = value->to_string();
    env_context->set(k, value->to_string());
  }
  if (!contained) {
    env["PATH"] = prepend_path(github_path_,
                               env.count("PATH") ? env["PATH"] : "/usr/local/bin:/usr/bin:/bin");
  } else if (!github_path_.empty()) {  // the executor puts them before the image's PATH
    env["PATH"] = prepend_path(github_path_, "");
    env["PATH"].pop_back();
  }
  if (frame.action) {  // steps of a composite action
    env["GITHUB_ACTION_PATH"] = frame.action->dir;
    env["GITHUB_ACTION_REPOSITORY"] = frame.action->repository;
    env["GITHUB_ACTION_REF"] = frame.action->ref;
  }

  // Working directory: step, then job defaults, then workflow defaults; relative to the workspace.
  const spec::Job& job = *in_.planned->job;
  const spec::Workflow& workflow = *in_.planned->workflow;
  std::optional<spec::Scalar> dir = step.working_directory;
  if (!dir && !frame.action)
    dir = job.defaults.working_directory ? job.defaults.working_directory
                                         : workflow.defaults.working_directory;
  std::filesystem::path cwd = options.workspace;
  if (dir) {
    auto value = evaluate_scalar(*dir, ctx);
    if (!value.ok()) return value.error();
    cwd = cwd / value->to_string();
  }
  request.working_directory = cwd.lexically_normal().string();
  request.working_directory_pos = dir ? dir->pos : step.pos;
  request.step_files_dir =
      options.step_files_dir.empty() ? options.temp_dir : options.step_files_dir;
  request.containers = containers_;
  if (item.phase == Phase::kContainersStart || item.phase == Phase::kContainersStop) {
    request.kind = item.phase == Phase::kContainersStart ? StepRequest::Kind::kContainersStart
                                                         : StepRequest::Kind::kContainersStop;
    request.env = std::move(env);
    return request;
  }

  if (item.action) {
    const ResolvedAction& action = *item.action;
    auto inputs = step_action_inputs(item, ctx);
    if (!inputs.ok()) return inputs.error();
    if (item.phase != Phase::kPost) last_action_inputs_ = *inputs;
    for (const auto& [k, v] : *inputs) env[input_env_name(k)] = v;
    env["GITHUB_ACTION_PATH"] = action.dir;
    env["GITHUB_ACTION_REPOSITORY"] = action.repository;
    env["GITHUB_ACTION_REF"] = action.ref;
    if (action.kind == ResolvedAction::Kind::kDocker) {
      Value* env_ctx = ctx.contexts.find("env");
      for (const auto& [k, scalar] : action.action.env) {  // runs.env
        auto value = evaluate_scalar(scalar, ctx);
        if (!value.ok()) return value.error();
        env[k] = value->to_string();
        env_ctx->set(k, value->to_string());
      }
      if (Status s = fill_docker_request(item, *inputs, ctx, request); !s.ok()) return s.error();
    } else if (action.kind == ResolvedAction::Kind::kNode) {
      request.kind = StepRequest::Kind::kNode;
      const std::string& entry = item.phase == Phase::kPre    ? action.action.pre
                                 : item.phase == Phase::kPost ? action.action.post
                                                              : action.action.main;
      request.script_path = (std::filesystem::path(action.dir) / entry).string();
      if (auto state = action_state_.find(item.instance); state != action_state_.end())
        for (const auto& [k, v] : state->second) env["STATE_" + k] = v;
    } else {
      request.kind = StepRequest::Kind::kScript;
      request.shell = "bash";
      request.script = action.builtin_script;
    }
  } else {
    auto script = evaluate_scalar(*step.run, ctx);
    if (!script.ok()) return script.error();
    request.script = script->to_string();
    std::optional<spec::Scalar> shell = step.shell;
    if (!shell && !frame.action)
      shell = job.defaults.shell ? job.defaults.shell : workflow.defaults.shell;
    if (shell) {
      auto value = evaluate_scalar(*shell, ctx);
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

}  // namespace sluice::engine
