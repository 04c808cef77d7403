// Test harness for the engine: a fake executor whose executions the test ends by hand,
// a manual clock, and the in-memory store. No processes, no sleeps.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/clock.h"
#include "engine/engine.h"
#include "engine/event_loop.h"
#include "engine/memory_store.h"
#include "plan/run_plan.h"
#include "spec/workflow_loader.h"

namespace sluice::engine::testing {

class FakeExecutor : public Executor {
 public:
  struct Execution {
    ExecutionId id;
    StepRequest request;
    std::function<void(StepOutcome)> on_done;
    bool cancel_requested = false;
    bool done = false;
  };

  ExecutionId start(StepRequest request, std::function<void(StepOutcome)> on_done) override {
    auto e = std::make_unique<Execution>();
    e->id = next_id_++;
    e->request = std::move(request);
    e->on_done = std::move(on_done);
    executions_.push_back(std::move(e));
    ExecutionId id = executions_.back()->id;
    if (killed_all_) cancel(id);  // as the real executor: nothing starts after kill_all()
    return id;
  }

  // A cancelled execution ends at once, as a process killed by the executor would.
  void cancel(ExecutionId id) override {
    for (auto& e : executions_) {
      if (e->id != id || e->done) continue;
      e->cancel_requested = true;
      StepOutcome o;
      o.started = true;
      o.cancelled = true;
      o.signal = 15;
      finish(*e, o);
    }
  }

  void end_job(const std::string& job_scope) override { ended_jobs_.push_back(job_scope); }

  // Placement: by default every job is placed at once (Executor's default). With
  // `hold_placements` the requests wait until the test answers them with place().
  struct Placement {
    JobPlacement job;
    std::function<void(PlacementEvent)> on_event;
    bool released = false;
  };
  bool hold_placements = false;
  void place_job(const JobPlacement& job, std::function<void(PlacementEvent)> on_event) override {
    if (!hold_placements) return Executor::place_job(job, std::move(on_event));
    placements_.push_back(Placement{job, std::move(on_event), false});
  }
  void release_job(const std::string& job_scope) override {
    for (Placement& p : placements_)
      if (p.job.job_scope == job_scope) p.released = true;
  }
  std::vector<Placement>& placements() { return placements_; }

  void kill_all() override {
    killed_all_ = true;
    for (Execution* e : running()) cancel(e->id);
  }

  // The job scopes end_job() was called with, in order.
  const std::vector<std::string>& ended_jobs() const { return ended_jobs_; }

  std::vector<Execution*> running() {
    std::vector<Execution*> out;
    for (auto& e : executions_)
      if (!e->done) out.push_back(e.get());
    return out;
  }

  std::vector<std::string> running_scripts() {
    std::vector<std::string> out;
    for (Execution* e : running())  // a node action's entry point stands for its script
      out.push_back(e->request.kind == StepRequest::Kind::kNode ? e->request.script_path
                                                                : e->request.script);
    return out;
  }

  // Ends the running execution whose script is `script`.
  bool finish_script(const std::string& script, int exit_code,
                     std::vector<std::pair<std::string, std::string>> outputs = {}) {
    for (Execution* e : running()) {
      if (e->request.script != script) continue;
      StepOutcome o;
      o.started = true;
      o.exit_code = exit_code;
      o.outputs = std::move(outputs);
      finish(*e, o);
      return true;
    }
    return false;
  }

  // Ends the running execution that runs `script` (a `run:` script, or a node action's
  // entry point) with `outcome`.
  bool finish_with(const std::string& script, StepOutcome outcome) {
    for (Execution* e : running()) {
      if (e->request.script != script && e->request.script_path != script) continue;
      finish(*e, std::move(outcome));
      return true;
    }
    return false;
  }

  size_t started_count() const { return executions_.size(); }
  const std::vector<std::unique_ptr<Execution>>& all() const { return executions_; }

 private:
  void finish(Execution& e, StepOutcome o) {
    e.done = true;
    e.on_done(std::move(o));
  }
  std::vector<std::unique_ptr<Execution>> executions_;
  std::vector<std::string> ended_jobs_;
  std::vector<Placement> placements_;
  bool killed_all_ = false;
  ExecutionId next_id_ = 1;
};

class EngineHarness : public ::testing::Test {
 protected:
  // Loads the workflow, plans it and starts the run. Fails the test on load errors.
  // `repo_root` is where called workflows are read from (tests/engine/fixtures/...).
  void start(const std::string& yaml, int max_parallel_jobs = 8,
             const std::string& repo_root = "/tmp") {
    Diagnostics diagnostics;
    auto loaded = spec::load_workflow_text(yaml, "test.yml", diagnostics);
    ASSERT_TRUE(loaded) << diagnostics.format();
    workflow_ = std::make_unique<spec::Workflow>(std::move(*loaded));
    plan_ = plan::build_run_plan(*workflow_, repo_root, diagnostics);
    ASSERT_TRUE(plan_) << diagnostics.format();
    context_ = std::make_unique<RunContext>(RunContext{executor_, *run_store_, clock_, loop_});
    context_->options.workspace = "/tmp";
    context_->options.temp_dir = ::testing::TempDir();
    context_->options.max_parallel_jobs = max_parallel_jobs;
    context_->options.reused_jobs = reused_jobs_;
    context_->resolver = resolver_;
    context_->environments = environments_;
    engine_ = std::make_unique<Engine>(*plan_, *context_);
    RunRecord run;
    run.workflow_file = "test.yml";
    run.workflow_name = "test";
    run.event = "push";
    ASSERT_TRUE(engine_->start(run).ok()) << context_->first_store_error;
    pump();
  }

  void pump() { loop_.run_ready(); }
  void advance(int64_t ms) {
    clock_.advance_ms(ms);
    pump();
  }
  void finish(const std::string& script, int exit_code = 0,
              std::vector<std::pair<std::string, std::string>> outputs = {}) {
    ASSERT_TRUE(executor_.finish_script(script, exit_code, std::move(outputs)))
        << "no running step with script '" << script << "'; running: " << running_text();
    pump();
  }
  std::string running_text() {
    std::string out;
    for (const auto& s : executor_.running_scripts()) out += "[" + s + "] ";
    return out;
  }
  std::vector<std::string> running() { return executor_.running_scripts(); }

  // The stored record of job `key`.
  JobRecord job(const std::string& key) {
    auto detail = store_.load_run(engine_->run().id);
    EXPECT_TRUE(detail.ok());
    for (const JobRecord& j : detail->jobs)
      if (j.key == key) return j;
    ADD_FAILURE() << "no job " << key;
    return {};
  }
  std::vector<StepRecord> steps(const std::string& job_key) {
    std::vector<StepRecord> out;
    auto detail = store_.load_run(engine_->run().id);
    for (const StepRecord& s : detail->steps)
      if (s.job_key == job_key) out.push_back(s);
    return out;
  }
  std::vector<AttemptRecord> attempts(const std::string& job_key) {
    std::vector<AttemptRecord> out;
    auto detail = store_.load_run(engine_->run().id);
    for (const AttemptRecord& a : detail->attempts)
      if (a.job_key == job_key) out.push_back(a);
    return out;
  }

  std::map<std::string, RunOptions::ReusedJob> reused_jobs_;  // set before start()
  ActionResolver* resolver_ = nullptr;                        // set before start()
  EnvironmentGate* environments_ = nullptr;                   // set before start()
  FakeExecutor executor_;
  MemoryStore store_;
  Store* run_store_ = &store_;  // what the run writes to: a test may wrap store_
  ManualClock clock_;
  EventLoop loop_{clock_};
  std::unique_ptr<spec::Workflow> workflow_;
  std::unique_ptr<plan::RunPlan> plan_;
  std::unique_ptr<RunContext> context_;
  std::unique_ptr<Engine> engine_;
};

}  // namespace sluice::engine::testing
