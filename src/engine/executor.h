// Executor: how the engine runs one step attempt in the world.
//
// The engine decides what to run (command, environment, working directory) and when to
// stop it (timeouts, cancellation); the executor starts it, streams its output through
// the workflow-command processor into the LogWriter, and reports how it ended together
// with what the step wrote to its GITHUB_OUTPUT / GITHUB_ENV / GITHUB_PATH /
// GITHUB_STEP_SUMMARY / GITHUB_STATE files and the annotations it printed.
//
// Threading: start() and cancel() are called from the engine thread. `on_done` is called
// exactly once per started execution, from any thread; the engine re-posts it onto its
// own event loop. `on_done` may be called before start() returns.
//
// Placement: before the first step of each job attempt the engine calls place_job() and
// starts the job only once the executor answers kPlaced. The local executor places every
// job at once (the default); the controller's remote executor (exec/remote/) leases the
// job to an agent with the job's `runs-on` labels, and meanwhile answers kWaiting with the
// reason, which the engine shows in the job's record. A placed job whose agent is lost gets
// kLost: the executor fails its running step and refuses its later ones, and the engine
// fails the attempt with the reason given ("agent lost") and retries it when the job's
// retry policy allows, which places it anew.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/diagnostic.h"
#include "engine/container_request.h"
#include "engine/log_writer.h"
#include "engine/run_model.h"

namespace sluice {
class SecretMasker;
}

namespace sluice::engine {

using ExecutionId = int64_t;

// What a step attempt's result decides on its own, for a controller that restarted while an
// agent ran the step and so lost the engine that would have gone on with the job
// (docs/agent-protocol.md, "Controller restarts"). The engine fills it when the attempt
// starts, for an attempt with a record of its own.
struct HeldTerms {
  // How long the step may still run: its timeout-minutes or its job's, the nearer (0: no
  // limit). The agent enforces it only while it holds the step.
  int64_t timeout_ms = 0;
  bool continue_on_error = false;  // the step's, evaluated when it started
  // Nothing of the job runs after this attempt: it is the job's last step and leaves no
  // post step, it has no retry left, and the job has no `outputs:` and no retry policy.
  // The job then concludes `failure` when `job_failed` or the step fails (after
  // continue-on-error), `cancelled` when it was cancelled, else `success`.
  bool closes_job = false;
  bool job_failed = false;  // an earlier step failed the job already
  // With closes_job, when every other job of the run has ended: the run's conclusion once
  // this job ends with success, or with failure (kQueued: the run does not end with it).
  RunStatus run_if_success = RunStatus::kQueued;
  RunStatus run_if_failure = RunStatus::kQueued;
};

struct StepRequest {
  enum class Kind {
    kScript,  // `run:` — `shell` + `script`
    kNode,    // JavaScript action entry point: `node <script_path>`
    // The job's containers (exec/container/): start them before the first step (network,
    // services awaited healthy, job container), stop them after the last.
    kContainersStart,
    kContainersStop,
    kDockerAction,  // `docker`: run the action's image (built first from a Dockerfile)
  };
  Kind kind = Kind::kScript;
  // kScript: "" (default: bash if present, else sh), "bash", "sh", "python", "pwsh", or a
  // custom template containing "{0}" (e.g. "perl {0}"). The script is written to a private
  // file under `step_files_dir` and substituted for {0}.
  std::string shell;
  std::string script;
  // kNode: path of the .js file to run with the machine's `node`.
  std::string script_path;

  // The complete environment of the process (the engine merges runner defaults,
  // workflow/job/step env, INPUT_*). The executor adds GITHUB_OUTPUT, GITHUB_ENV,
  // GITHUB_PATH, GITHUB_STEP_SUMMARY, GITHUB_STATE and their SLUICE_* aliases.
  std::map<std::string, std::string> env;
  // The job instance the step belongs to: what it leaves running in the background is
  // killed by Executor::end_job(job_scope) (as GitHub's runner does at the end of a job).
  std::string job_scope;
  // Where the process starts. The executor checks that it is a directory: when it is not,
  // the attempt fails to start with "<working_directory_pos>: working-directory '...' does
  // not exist" (the position of the `working-directory:` that chose it, or of the step).
  std::string working_directory;
  SourcePos working_directory_pos;
  // An existing directory under which the executor keeps the script and the command files
  // of this attempt, in a directory of their own that is private to this user and removed
  // when the attempt ends (exec/step_files.h). The engine itself touches no disk.
  std::string step_files_dir;

  std::shared_ptr<SecretMasker> masker;  // run-wide; ::add-mask:: adds to it
  std::shared_ptr<LogWriter> log;        // receives masked lines
  std::string log_pattern;               // RE2; report whether any output line matched
  // The step record and attempt this request is (StepRecord::index, AttemptRecord::attempt);
  // -1 for a step inside a composite action, which shares the composite's record. The
  // controller names them to an agent, so that a result the agent holds across a
  // controller restart finds its record (docs/agent-protocol.md, "Controller restarts").
  int record_index = -1;
  int record_attempt = 0;
  HeldTerms held;

  // Set for every step of a job with `container:` or `services:`. kScript/kNode steps with
  // `containers->job` run inside the job container: `env` then holds only what the step
  // sees there (no host environment), and its `PATH`, when present, only the GITHUB_PATH
  // entries to put before the image's own PATH.
  std::shared_ptr<const JobContainers> containers;
  DockerActionRequest docker;  // kDockerAction
};

struct StepOutcome {
  bool started = false;  // false: could not start (error_message says why)
  std::string error_message;
  int exit_code = -1;      // when exited normally
  int signal = 0;          // when killed by a signal (e.g. 9 after SIGKILL)
  bool cancelled = false;  // ended because cancel() was called
  bool log_pattern_matched = false;

  std::vector<std::pair<std::string, std::string>> outputs;  // GITHUB_OUTPUT + ::set-output
  std::vector<std::pair<std::string, std::string>> env;      // GITHUB_ENV
  std::vector<std::string> path;                             // GITHUB_PATH, in order
  std::vector<std::pair<std::string, std::string>> state;    // GITHUB_STATE + ::save-state
  std::string summary;                                       // GITHUB_STEP_SUMMARY (markdown)
  std::vector<Annotation> annotations;  // ::error/::warning/::notice (run/job/step unset)

  bool succeeded() const { return started && !cancelled && signal == 0 && exit_code == 0; }
};

// What the executor needs to know to place a job attempt (see place_job).
struct JobPlacement {
  std::string job_scope;  // as in StepRequest::job_scope of its steps
  int64_t run_id = 0;
  std::string job_key;
  int attempt = 1;
  std::vector<std::string> runs_on;  // `runs-on` labels, evaluated
  std::vector<std::string> secrets;  // the values the job's steps may see (for masking)
  // The run's directories as the job's step requests name them (RunOptions).
  std::string workspace;
  std::string temp_dir;
  std::string tool_cache_dir;
};

struct PlacementEvent {
  enum class Kind {
    kWaiting,  // not placed yet; `reason` says why (any number of times, before kPlaced)
    kPlaced,   // the job's steps may start (once)
    kLost,     // after kPlaced: the job's place is gone; `reason` says why (at most once)
  };
  Kind kind = Kind::kPlaced;
  std::string reason;
};

class Executor {
 public:
  virtual ~Executor() = default;
  // Finds the job attempt a place to run. Engine thread. `on_event` may be called from any
  // thread, before place_job returns too: kWaiting any number of times, then kPlaced once,
  // then at most one kLost; after release_job(job_scope) it is not called any more.
  virtual void place_job(const JobPlacement& job, std::function<void(PlacementEvent)> on_event) {
    (void)job;
    on_event(PlacementEvent{PlacementEvent::Kind::kPlaced, ""});
  }
  // The engine no longer wants a place for the job: it was cancelled while waiting. Engine
  // thread. (A placed job's place ends with end_job.)
  virtual void release_job(const std::string& job_scope) { (void)job_scope; }
  virtual ExecutionId start(StepRequest request, std::function<void(StepOutcome)> on_done) = 0;
  // Stops the execution: SIGTERM to its whole process group, SIGKILL after a grace
  // period. No-op when it already ended. on_done still follows, with cancelled = true.
  virtual void cancel(ExecutionId id) = 0;
  // The job instance `job_scope` has ended: kills every process its steps left running.
  // Engine thread; called once per job attempt, after the last step's on_done.
  virtual void end_job(const std::string& job_scope) = 0;
  // Stops everything at once (the second Ctrl-C): SIGKILL to every process this executor
  // started, and every later start() ends at once as cancelled. Any thread; returns once
  // the signals are sent. on_done still follows for each running execution.
  virtual void kill_all() = 0;
};

}  // namespace sluice::engine
