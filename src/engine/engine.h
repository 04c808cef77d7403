// Engine: runs one RunPlan to completion.
//
// The run state machine lives here (DESIGN.md "engine"): jobs become ready when their
// needs have finished; their `if` is evaluated with GitHub's status rules; matrices are
// expanded; instances are started up to the parallelism limits (--jobs, max-parallel,
// concurrency groups); fail-fast cancels sibling instances; failed jobs are retried when
// their retry policy covers the failure class. Steps are sequenced by JobRun.
//
// The engine is pure logic: it reaches the world only through Executor, Store, Clock,
// EventLoop and ActionResolver, and every method runs on the loop's thread.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/value.h"
#include "engine/run_context.h"
#include "expr/expression.h"
#include "plan/run_plan.h"

namespace sluice::engine {

class JobRun;
struct JobRunInputs;

// The expression context of run-level values — github, inputs and vars — that `run-name`,
// workflow `concurrency` and workflow `env` are evaluated in; every narrower context (a
// job's, a called workflow's) starts from it.
expr::EvalContext run_expression_context(const RunOptions& options, const Value& inputs);

class Engine {
 public:
  Engine(const plan::RunPlan& plan, RunContext& context);
  ~Engine();

  // Creates the run record and starts the jobs that are ready. An error means the run
  // could not be recorded (nothing was started).
  Status start(RunRecord run);

  // Cancels the run as GitHub does: every job started or waiting for a slot has its `if`
  // evaluated again; those it keeps (always(), cancelled()) go on, the others stop (their
  // running step is stopped, their always()/cancelled() steps still run) or, not yet
  // started, end cancelled at once. Jobs that become ready later run only if their `if`
  // holds on a cancelled run. Nothing else starts.
  void cancel();

  bool finished() const { return finished_; }
  const RunRecord& run() const { return run_; }
  RunStatistics statistics() const;
  // Markdown written by steps to GITHUB_STEP_SUMMARY, per job key, in finishing order.
  const std::vector<std::pair<std::string, std::string>>& summaries() const { return summaries_; }

 private:
  struct Instance;
  struct JobNode;
  void schedule();
  expr::EvalContext job_context(const JobNode& node) const;
  void evaluate_ready(JobNode& node);
  void start_caller(JobNode& node, expr::EvalContext& ctx);
  void finish_caller(JobNode& node);
  bool expand(JobNode& node, const expr::EvalContext& ctx);
  void start_instances();
  bool acquire_group(JobNode& node, size_t index);
  void hold_group(Instance& instance, const std::string& group);
  void release_group(Instance& instance);
  void cancel_instance(JobNode& node, size_t index, const std::string& reason);
  void end_instance(JobNode& node, size_t index, RunStatus status, const std::string& reason);
  bool runs_when_cancelled(const JobNode& node) const;
  void start_instance(JobNode& node, size_t index);
  // environment_admission.cpp: holds a job with `environment:` back until the gate admits it.
  bool needs_admission(const JobNode& node, size_t index) const;
  void begin_admission(JobNode& node, size_t index);
  void end_admission(Instance& instance, RunStatus status, const std::string& reason);
  JobPlacement placement_for(const JobNode& node, const Instance& instance, const JobRunInputs& in,
                             std::optional<Error>& error) const;
  void on_placement(JobNode& node, size_t index, uint64_t placement, const PlacementEvent& event);
  void withdraw_placement(JobNode& node, size_t index);
  std::string job_scope(const Instance& instance) const;
  Result<std::map<std::string, std::string>> workflow_env(const spec::Workflow& workflow,
                                                          const Value& inputs,
                                                          const Value& secrets) const;
  void on_instance_finished(JobNode& node, size_t index);
  void node_instance_done(JobNode& node);
  void finish_node(JobNode& node, RunStatus status, const std::string& reason);
  // `as_if`: that node counts as ended with `status` (run_if_last).
  RunStatus conclusion(const JobNode* as_if = nullptr, RunStatus status = RunStatus::kQueued) const;
  // JobRunInputs::run_if_last of the node's one instance.
  std::optional<std::pair<RunStatus, RunStatus>> run_if_last(const JobNode& n) const;
  void maybe_finish_run();
  bool needs_done(const JobNode& node) const;
  Value needs_context(const JobNode& node) const;
  Value inputs_for(const JobNode& node) const;
  bool any_ancestor_failed(const JobNode& node) const;
  void save_job(const JobRecord& record);
  JobNode* node(const std::string& key);
  const JobNode* node(const std::string& key) const;

  const plan::RunPlan& plan_;
  RunContext& context_;
  RunRecord run_;
  std::vector<std::unique_ptr<JobNode>> nodes_;     // plan order
  std::map<std::string, std::string> held_groups_;  // concurrency group -> instance key
  // Instances waiting for each group, first come first: one with `queue: single` (the
  // default), up to 100 with `queue: max` (then newcomers are cancelled, as on GitHub).
  static constexpr size_t kMaxPendingPerGroup = 100;
  std::map<std::string, std::deque<std::pair<JobNode*, size_t>>> waiting_groups_;
  int running_instances_ = 0;
  bool cancelled_ = false;
  bool finished_ = false;
  bool scheduling_ = false;
  bool reschedule_ = false;
  uint64_t placements_ = 0;
  // Guards the executor's placement callbacks, which may outlive the engine.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  std::vector<std::pair<std::string, std::string>> summaries_;
  Result<std::map<std::string, std::string>> workflow_env_ = std::map<std::string, std::string>{};
};

}  // namespace sluice::engine
