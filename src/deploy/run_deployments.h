// RunDeployments: what one run needs of environments.yml, put together for the runner —
// the environment admission (the engine's EnvironmentGate), the health gate threads, and
// the notifier that tells of failures, recoveries, approvals and rollbacks.
//
// Threading: as EnvironmentAdmission (the run's engine thread), except that notifications
// are delivered by the notifier's own thread.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "core/secret_masker.h"
#include "core/value.h"
#include "deploy/environment_admission.h"
#include "deploy/notify.h"

namespace sluice::deploy {

class RunDeployments {
 public:
  RunDeployments(EnvironmentsFile file, AdmissionSettings settings, engine::Store& store,
                 const engine::Clock& clock, engine::EventLoop& loop, Value secrets,
                 std::shared_ptr<const SecretMasker> masker,
                 std::function<void(const std::string&)> report, NotifierOptions notify = {});
  ~RunDeployments();

  engine::EnvironmentGate* gate() { return admission_.get(); }
  // The run as recorded (its id, number and name), once it is: notifications name it.
  void set_run(const engine::RunRecord& run) { run_ = run; }
  // The run ended: failure / recovery (the workflow's previous finished run had not
  // succeeded) / success notifications for the workflow.
  void run_finished(const engine::RunRecord& run);
  // Waits for notifications still being delivered, at most `max_wait`.
  bool drain(std::chrono::milliseconds max_wait);
  Notifier* notifier() { return notifier_.get(); }

 private:
  void on_deployment(NotificationEvent event, const engine::DeploymentRecord& deployment);
  NotificationMessage message(NotificationEvent event) const;

  EnvironmentsFile file_;
  AdmissionSettings settings_;
  engine::Store& store_;
  engine::RunRecord run_;
  std::unique_ptr<Notifier> notifier_;
  std::unique_ptr<HealthGateRunner> gates_;
  std::unique_ptr<EnvironmentAdmission> admission_;
};

}  // namespace sluice::deploy
