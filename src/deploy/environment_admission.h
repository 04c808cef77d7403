// EnvironmentAdmission: the protection rules of `.sluice/environments.yml` applied to the
// jobs of one run (the engine's EnvironmentGate, engine/environment_gate.h).
//
// A job with `environment:` gets a deployment record (engine/deployment_record.h) and is
// admitted once every rule of its environment passes, checked in this order:
//   1. branch policy: a ref the environment does not allow fails the job at once;
//   2. reviewers: enough approvals that count (deploy/reviewers.h); a rejection fails it;
//      a pending approval expires after approval-timeout (default 30 days) and fails it.
//      Reviews are written by `sluice approve`/`sluice reject` from other processes: the
//      record is read again every poll interval;
//   3. the wait timer, counted from the moment the deployment was created (so it runs
//      while reviewers decide, as on GitHub);
//   4. health gates, one after the other (gates/gate_loop.h, off the engine thread);
//   5. concurrency: at most N deployments of the environment in progress, across processes
//      (Store::try_start_deployment); later ones wait their turn, first come first served.
// While a rule holds the job back the record is `waiting` with `waiting_on` and a reason,
// and the job's reason says the same (the live progress and `sluice show`).
//
// Threading: every method and callback runs on the run's engine thread (the event loop's);
// health gates run on threads of their own and post back to the loop.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "deploy/environments.h"
#include "deploy/reviewers.h"
#include "engine/clock.h"
#include "engine/environment_gate.h"
#include "engine/event_loop.h"
#include "engine/store.h"

namespace sluice::deploy {

// One health gate running until it decides. Destroying it stops the gate (its thread is
// joined) and no callback comes after.
class RunningGate {
 public:
  virtual ~RunningGate() = default;
};

// Starts health gates. `progress` gets each line of the gate's audit trail, `done` its
// decision once; both may be called from any thread (the admission posts them to the loop).
class HealthGateRunner {
 public:
  virtual ~HealthGateRunner() = default;
  virtual std::unique_ptr<RunningGate> start(
      const HealthGateSpec& gate, std::function<void(const std::string& line)> progress,
      std::function<void(bool passed, const std::string& reason)> done) = 0;
};

// The real one: gates/gate_loop.h with the sources of gates/sources.h, on a thread per gate;
// AWS credentials from the process environment.
std::unique_ptr<HealthGateRunner> make_health_gate_runner();

struct AdmissionSettings {
  std::string workflow_file;
  std::string ref;  // refs/heads/main, refs/tags/v1
  std::string sha;
  std::string creator;              // who started the run (deploy/reviewers.h current_user())
  int64_t poll_interval_ms = 1000;  // how often reviews by other processes are looked for
};

// What happened to a deployment, for notifications (deploy/notify.h): approval needed, a
// deployment failed, succeeded (recovery when the environment's previous one had not), or
// was rolled back.
using DeploymentListener =
    std::function<void(NotificationEvent event, const engine::DeploymentRecord& deployment)>;

class EnvironmentAdmission : public engine::EnvironmentGate {
 public:
  EnvironmentAdmission(EnvironmentsFile file, AdmissionSettings settings, engine::Store& store,
                       const engine::Clock& clock, engine::EventLoop& loop,
                       HealthGateRunner* gates = nullptr, DeploymentListener listener = {},
                       GroupMembers groups = os_group_members());
  ~EnvironmentAdmission() override;

  void admit(const engine::AdmissionRequest& request,
             std::function<void(const std::string& reason)> waiting,
             std::function<void(engine::Admission)> decided) override;
  void abandon(int64_t run_id, const std::string& job_key, engine::RunStatus status,
               const std::string& reason) override;
  void finished(int64_t run_id, const std::string& job_key, engine::RunStatus status) override;

  const EnvironmentsFile& file() const { return file_; }

 private:
  struct Pending;
  void tick(const std::string& key);
  bool check_reviews(Pending& p, int64_t now);
  bool check_wait_timer(Pending& p, int64_t now);
  bool check_gates(Pending& p);
  bool check_concurrency(Pending& p, int64_t now);
  void set_waiting(Pending& p, engine::DeploymentWait on, const std::string& reason);
  void poll_later(Pending& p, int64_t delay_ms);
  void admit_now(const std::string& key);
  // Removes a pending admission, stopping its timer and gate.
  std::unique_ptr<Pending> take(const std::string& key);
  // Ends a deployment that did not start: cancelled or failed, with the reason.
  void close(engine::DeploymentRecord& record, engine::RunStatus status, const std::string& reason);
  void fail(const std::string& key, engine::RunStatus status, const std::string& reason);
  void save(engine::DeploymentRecord& record);
  void emit(NotificationEvent event, const engine::DeploymentRecord& record);
  // Posts `body` to the loop; it runs only while this admission lives.
  void post(std::function<void()> body);

  EnvironmentsFile file_;
  AdmissionSettings settings_;
  engine::Store& store_;
  const engine::Clock& clock_;
  engine::EventLoop& loop_;
  HealthGateRunner* gates_;
  DeploymentListener listener_;
  GroupMembers groups_;
  std::map<std::string, std::unique_ptr<Pending>> pending_;   // by job key
  std::map<std::string, engine::DeploymentRecord> admitted_;  // by job key
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace sluice::deploy
