#include "deploy/run_deployments.h"

namespace sluice::deploy {

namespace {

bool has_targets(const EnvironmentsFile& file) {
  if (!file.notifications.empty()) return true;
  for (const auto& [name, env] : file.environments)
    if (!env.notifications.empty()) return true;
  return false;
}

}  // namespace

RunDeployments::RunDeployments(EnvironmentsFile file, AdmissionSettings settings,
                               engine::Store& store, const engine::Clock& clock,
                               engine::EventLoop& loop, Value secrets,
                               std::shared_ptr<const SecretMasker> masker,
                               std::function<void(const std::string&)> report,
                               NotifierOptions notify)
    : file_(file), settings_(settings), store_(store) {
  if (has_targets(file_)) {
    notify.report = std::move(report);
    notifier_ = std::make_unique<Notifier>(file_.notifications, std::move(secrets),
                                           std::move(masker), std::move(notify));
  }
  gates_ = make_health_gate_runner();
  admission_ = std::make_unique<EnvironmentAdmission>(
      std::move(file), std::move(settings), store, clock, loop, gates_.get(),
      [this](NotificationEvent event, const engine::DeploymentRecord& deployment) {
        on_deployment(event, deployment);
      });
}

RunDeployments::~RunDeployments() {
  admission_.reset();  // stops its gates before their runner goes
}

NotificationMessage RunDeployments::message(NotificationEvent event) const {
  NotificationMessage m;
  m.event = event;
  m.workflow_file = run_.workflow_file.empty() ? settings_.workflow_file : run_.workflow_file;
  m.workflow_name = run_.run_name.empty() ? run_.workflow_name : run_.run_name;
  m.run_id = run_.id;
  m.run_number = run_.run_number;
  m.ref = settings_.ref;
  m.sha = settings_.sha;
  m.creator = settings_.creator;
  return m;
}

void RunDeployments::on_deployment(NotificationEvent event,
                                   const engine::DeploymentRecord& deployment) {
  if (!notifier_) return;
  NotificationMessage m = message(event);
  m.run_id = deployment.run_id;
  m.status = to_string(deployment.status);
  m.reason = deployment.reason;
  m.environment = deployment.environment;
  m.deployment_id = deployment.id;
  m.job_key = deployment.job_key;
  m.url = deployment.url;
  const EnvironmentSpec* env = file_.find(deployment.environment);
  notifier_->notify(m, env ? env->notifications : std::vector<NotificationSpec>{});
}

void RunDeployments::run_finished(const engine::RunRecord& run) {
  run_ = run;
  if (!notifier_) return;
  using engine::RunStatus;
  bool failed = run.status == RunStatus::kFailure || run.status == RunStatus::kTimedOut;
  NotificationEvent event = failed ? NotificationEvent::kFailure : NotificationEvent::kSuccess;
  if (run.status == RunStatus::kCancelled) return;
  if (!failed) {
    // Recovery: the workflow's previous finished run (cancelled ones aside) did not succeed.
    auto runs = store_.list_runs(200);
    if (runs.ok()) {
      for (const engine::RunRecord& earlier : *runs) {
        if (earlier.id >= run.id || earlier.workflow_file != run.workflow_file ||
            !engine::is_terminal(earlier.status) || earlier.status == RunStatus::kCancelled)
          continue;
        if (earlier.status != RunStatus::kSuccess) event = NotificationEvent::kRecovery;
        break;
      }
    }
  }
  NotificationMessage m = message(event);
  m.status = to_string(run.status);
  m.reason = run.reason;
  notifier_->notify(m);
}

bool RunDeployments::drain(std::chrono::milliseconds max_wait) {
  return !notifier_ || notifier_->drain(max_wait);
}

}  // namespace sluice::deploy
