// JobRun: runs the steps of one job instance (one matrix combination) in order.
//
// Steps form frames: the job's own list, and one nested frame per composite action in
// progress (a composite step is one step in the history, like on GitHub; its inner
// steps log into it). Node actions with `pre:` get a step before the job's first step
// and those with `post:` a step after its last, in reverse order.
//
// When actions are read: a local action (`uses: ./path`) when its step starts, each
// attempt anew, since earlier steps may write or rewrite it (a checkout, a build); so it
// has no `pre` step, as on GitHub. Every other action when the job (or the composite
// action holding it) starts, so that its `pre` step can run first.
//
// An action's pre, main and post steps share one instance: state saved by any of them
// (GITHUB_STATE, ::save-state::) is STATE_* in the later ones, and `inputs` in `pre-if`
// and `post-if` are the action's inputs (the step's `with:` and the action's defaults).
//
// State machine of a step: evaluate `if` → (skipped) | start attempt → outcome →
// retry after backoff when the retry policy covers the failure class | finalise
// (outcome, conclusion after continue-on-error, outputs into `steps.<id>`).
//
// Expressions that cannot be evaluated are errors, never "": as on GitHub, one in a step
// (name, env, run, with, working-directory, shell, timeout-minutes, if) fails that step to
// start, one in the job (name, env, timeout-minutes, outputs) fails the job. The message
// names the place in the file (file:line:col, inside `|` blocks too) and goes to the step
// log and the step's or job's reason.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/failure_class.h"
#include "core/result.h"
#include "core/value.h"
#include "engine/run_context.h"
#include "expr/expression.h"
#include "plan/run_plan.h"

namespace sluice::engine {

struct JobRunInputs {
  std::string key;        // "build (linux)"
  std::string job_scope;  // StepRequest::job_scope of its steps
  const plan::PlannedJob* planned = nullptr;
  int64_t run_id = 0;
  int job_attempt = 1;
  Value matrix;                      // null when not a matrix job
  Value strategy = Value::object();  // fail-fast, job-index, job-total, max-parallel
  Value needs = Value::object();
  Value inputs = Value::object();
  Value secrets = Value::object();
  // The `vars` context when it is not the run's (an environment's vars override it).
  std::optional<Value> vars;
  std::map<std::string, std::string> workflow_env;  // evaluated workflow-level env
  std::optional<Error>
      setup_error;  // fails the job at once (e.g. the workflow env did not evaluate)
  // When every other job of the run has ended: the run's conclusion if this job ends with
  // success, and with failure (HeldTerms::run_if_success/run_if_failure); none otherwise.
  std::function<std::optional<std::pair<RunStatus, RunStatus>>()> run_if_last;
};

class JobRun {
 public:
  JobRun(RunContext& context, JobRunInputs inputs, std::function<void()> on_finished);
  ~JobRun();

  void start();
  // Stops the running step; later steps run only if their `if` uses always()/cancelled().
  // `timed_out`: the job's own timeout fired (status timed_out instead of cancelled).
  void cancel(bool timed_out);

  // The job's place is gone (its agent was lost, PlacementEvent::kLost): the attempt fails
  // with `reason`. The executor ends the running step and refuses later ones.
  void lose(const std::string& reason);

  bool finished() const { return finished_; }
  RunStatus status() const { return record_.status; }
  const JobRecord& record() const { return record_; }
  const Value& outputs() const { return outputs_; }
  FailureClass failure_class() const { return failure_class_; }
  int exit_code() const { return exit_code_; }  // of the step that failed the job
  const std::string& summary() const { return summary_; }

 private:
  // kContainersStart/Stop: the "Initialize containers" and "Stop containers" steps of a
  // job with `container:` or `services:` (job_containers.cpp).
  enum class Phase { kMain, kPre, kPost, kContainersStart, kContainersStop };
  struct Item {
    const spec::Step* step = nullptr;
    Phase phase = Phase::kMain;
    int instance = 0;                                  // shared by an action's pre, main and post
    std::shared_ptr<const ResolvedAction> action;      // for `uses:` steps
    std::optional<Error> resolve_error;                // the action could not be resolved
    bool resolve_at_start = false;                     // a local action, read when the step starts
    std::map<std::string, std::string> action_inputs;  // kPost: inputs of the main step
  };
  struct Frame {
    std::vector<Item> items;
    size_t next = 0;
    Value steps = Value::object();                 // the `steps` context of this frame
    Value inputs = Value::object();                // composite: the action's inputs
    std::map<std::string, std::string> env;        // composite: the calling step's env
    std::shared_ptr<const ResolvedAction> action;  // composite being run; null for the job
    int record_index = -1;  // nested frames log into the composite step's record
    bool failed = false;
    std::string failure;  // composite: "step 'X' failed: <reason>" of its first failed step
  };
  struct Attempt {
    int record_index = -1;
    Item item;
    int number = 1;
    ExecutionId execution = 0;
    EventLoop::TimerId timer = 0;
    bool timed_out = false;
    int64_t timeout_ms = 0;  // its own timeout-minutes (0: none)
    AttemptRecord record;
    std::shared_ptr<LogWriter> log;
    bool owns_attempt = true;  // false for steps inside a composite (they share its attempt)
  };

  // How a step ended, for finish_step.
  struct StepEnd {
    RunStatus outcome = RunStatus::kSuccess;
    std::string reason;
    FailureClass failure = FailureClass::kNone;
    std::vector<std::pair<std::string, std::string>> outputs;  // masked
  };

  // Job start.
  void evaluate_job_settings(const expr::EvalContext& ctx);
  // Containers (job_containers.cpp): evaluates `container:`/`services:` and adds their
  // start and stop steps; the start step's outputs fill job.container / job.services.
  void add_container_steps(Frame& top, const expr::EvalContext& ctx);
  void record_containers(const std::vector<std::pair<std::string, std::string>>& outputs);
  bool runs_in_job_container(const Item& item) const;
  Status fill_docker_request(const Item& item, const std::map<std::string, std::string>& inputs,
                             const expr::EvalContext& ctx, StepRequest& request) const;
  Item resolve_item(const spec::Step& step);
  void resolve_action(Item& item);
  void fail_job(const Error& error);

  // Step attempts.
  void advance();
  void begin_item(Frame& frame, Item item, int record_index);
  void start_attempt();
  void open_attempt(Attempt& attempt);
  void start_composite(Attempt& attempt);
  Result<Frame> composite_frame(const Item& item, int record_index);
  Status start_step_timer(Attempt& attempt, const Frame& frame);
  void launch(Attempt& attempt, StepRequest request);
  HeldTerms held_terms(const Attempt& attempt);
  void fail_to_start(const Error& error);
  void on_outcome(StepOutcome outcome);
  void take_effects(const StepOutcome& outcome, const Item& item);
  bool retry_later(Attempt& attempt, FailureClass failure, const StepOutcome& outcome);
  void complete_attempt(Attempt& attempt, RunStatus status, FailureClass failure);
  void finish_step(int record_index, Frame& frame, const Item& item, StepEnd end);
  bool continues_on_error(const Frame& frame, const Item& item, std::string& reason);
  void finish_frame();
  void finish_job();
  std::shared_ptr<LogWriter> active_log() const;

  expr::EvalContext eval_context(const Frame& frame) const;
  std::map<std::string, std::string> context_env(const Frame& frame) const;
  Result<StepRequest> build_request(const Frame& frame, const Item& item);
  std::string step_display_name(const Item& item, const expr::EvalContext& ctx) const;
  Result<bool> eval_if(const std::string& condition, const spec::Scalar* where,
                       const expr::EvalContext& ctx) const;
  Result<bool> should_run(const Frame& frame, const Item& item);
  std::string skip_reason(const Frame& frame, const Item& item) const;
  Result<std::map<std::string, std::string>> step_action_inputs(const Item& item,
                                                                const expr::EvalContext& ctx) const;
  Result<int64_t> timeout_ms(const spec::Scalar& minutes, const expr::EvalContext& ctx) const;
  void save_step(const StepRecord& record);
  void save_attempt(const AttemptRecord& record);
  void log_line(const std::string& line);

  RunContext& context_;
  JobRunInputs in_;
  std::function<void()> on_finished_;
  JobRecord record_;
  std::vector<StepRecord> steps_;
  std::vector<Frame> frames_;
  std::vector<Item> posts_;
  std::optional<Attempt> current_;           // the leaf step being executed
  std::vector<Attempt> composite_attempts_;  // composite steps in progress, outermost first
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // guards executor callbacks
  std::map<std::string, std::string> github_env_;               // from GITHUB_ENV
  std::vector<std::string> github_path_;                        // from GITHUB_PATH, newest last
  std::map<std::string, std::string> job_env_;
  Value outputs_ = Value::object();
  FailureClass failure_class_ = FailureClass::kNone;
  int exit_code_ = 0;
  std::string summary_;
  EventLoop::TimerId job_timer_ = 0;
  int64_t job_deadline_ms_ = 0;  // when the job's timeout fires (Clock::now_ms)
  bool failed_ = false;
  bool cancelled_ = false;
  bool timed_out_ = false;
  bool finished_ = false;
  bool posts_added_ = false;
  std::map<std::string, std::string> last_action_inputs_;  // of the action step just built
  // STATE_* of each action instance (Item::instance), from its pre and main steps.
  std::map<int, std::map<std::string, std::string>> action_state_;
  int instances_ = 0;
  // Every action resolved for this job, kept until it ends: Item::step of a composite's
  // inner step points into its action, and a post step may outlive the composite's frame.
  std::vector<std::shared_ptr<const ResolvedAction>> resolved_;
  int step_counter_ = 0;  // steps started: names GITHUB_ACTION of steps without an id
  std::shared_ptr<const JobContainers> containers_;           // null for a job without containers
  std::vector<std::unique_ptr<spec::Step>> container_steps_;  // the start and stop steps
  Value job_containers_ = Value::object();  // `container` and `services` of the job context
};

}  // namespace sluice::engine
