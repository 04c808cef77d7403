#include "deploy/environment_admission.h"

#include <fmt/format.h>

#include <algorithm>

namespace sluice::deploy {

using engine::DeploymentRecord;
using engine::DeploymentStatus;
using engine::DeploymentWait;
using engine::RunStatus;

namespace {

// "4m 30s", "2d 3h": the wait left, for humans.
std::string left(int64_t ms) {
  int64_t s = (std::max<int64_t>(ms, 0) + 999) / 1000;
  if (s >= 86400) return fmt::format("{}d {}h", s / 86400, s % 86400 / 3600);
  if (s >= 3600) return fmt::format("{}h {:02}m", s / 3600, s % 3600 / 60);
  if (s >= 60) return fmt::format("{}m {:02}s", s / 60, s % 60);
  return fmt::format("{}s", s);
}

std::string duration_text(int64_t ms) {
  if (ms % 86400'000 == 0) return fmt::format("{}d", ms / 86400'000);
  if (ms % 3600'000 == 0) return fmt::format("{}h", ms / 3600'000);
  if (ms % 60'000 == 0) return fmt::format("{}m", ms / 60'000);
  return fmt::format("{}s", ms / 1000.0);
}

DeploymentStatus deployment_status(RunStatus job) {
  switch (job) {
    case RunStatus::kSuccess:
      return DeploymentStatus::kSuccess;
    case RunStatus::kCancelled:
    case RunStatus::kSkipped:
      return DeploymentStatus::kCancelled;
    default:
      return DeploymentStatus::kFailure;
  }
}

}  // namespace

struct EnvironmentAdmission::Pending {
  DeploymentRecord record;
  const EnvironmentSpec* environment = nullptr;
  std::unique_ptr<ReviewerPolicy> reviewers;
  std::function<void(const std::string&)> waiting;
  std::function<void(engine::Admission)> decided;
  std::map<std::string, std::string> secrets;
  size_t next_gate = 0;
  std::unique_ptr<RunningGate> gate;
  engine::EventLoop::TimerId timer = 0;
  bool approval_announced = false;
};

EnvironmentAdmission::EnvironmentAdmission(EnvironmentsFile file, AdmissionSettings settings,
                                           engine::Store& store, const engine::Clock& clock,
                                           engine::EventLoop& loop, HealthGateRunner* gates,
                                           DeploymentListener listener, GroupMembers groups)
    : file_(std::move(file)),
      settings_(std::move(settings)),
      store_(store),
      clock_(clock),
      loop_(loop),
      gates_(gates),
      listener_(std::move(listener)),
      groups_(std::move(groups)) {}

EnvironmentAdmission::~EnvironmentAdmission() {
  *alive_ = false;
  for (auto& [key, p] : pending_)
    if (p->timer != 0) loop_.cancel_timer(p->timer);
  pending_.clear();  // stops running gates (joins their threads)
}

void EnvironmentAdmission::post(std::function<void()> body) {
  std::weak_ptr<bool> alive = alive_;
  loop_.post([alive, body = std::move(body)] {
    if (auto a = alive.lock(); a && *a) body();
  });
}

void EnvironmentAdmission::save(DeploymentRecord& record) {
  record.updated_ms = clock_.now_ms();
  // A deployment record that cannot be saved does not stop the rules: the job's own
  // record (and the run's store error count) tell of a failing store.
  (void)store_.save_deployment(record);
}

void EnvironmentAdmission::emit(NotificationEvent event, const DeploymentRecord& record) {
  if (listener_) listener_(event, record);
}

void EnvironmentAdmission::admit(const engine::AdmissionRequest& request,
                                 std::function<void(const std::string&)> waiting,
                                 std::function<void(engine::Admission)> decided) {
  const EnvironmentSpec* environment = file_.find(request.environment);
  auto p = std::make_unique<Pending>();
  p->environment = environment;
  p->waiting = std::move(waiting);
  p->decided = std::move(decided);
  DeploymentRecord& d = p->record;
  d.environment = request.environment;
  d.run_id = request.run_id;
  d.job_key = request.job_key;
  d.ref = settings_.ref;
  d.sha = settings_.sha;
  d.revision = settings_.sha;
  d.creator = settings_.creator;
  d.url = !request.url.empty() ? request.url : environment ? environment->url : "";
  d.status = DeploymentStatus::kQueued;
  d.created_ms = d.updated_ms = clock_.now_ms();
  if (Status s = store_.create_deployment(d); !s.ok()) {
    engine::Admission refused;
    refused.reason =
        "cannot record the deployment to '" + request.environment + "': " + s.error().message;
    p->decided(refused);
    return;
  }
  const std::string key = request.job_key;
  pending_[key] = std::move(p);
  Pending& pending = *pending_[key];

  if (environment != nullptr) {
    if (!environment->allows_ref(settings_.ref)) {
      std::string patterns;
      for (const auto& list : {environment->branches, environment->tags})
        for (const std::string& pattern : list)
          patterns += (patterns.empty() ? "" : ", ") + pattern;
      return fail(key, RunStatus::kFailure,
                  fmt::format("{} may not deploy to environment '{}' (allowed: {})",
                              settings_.ref.empty() ? "this ref" : settings_.ref,
                              request.environment, patterns));
    }
    if (!environment->secrets_file.empty()) {
      auto secrets = read_secrets_file(environment->secrets_file);
      if (!secrets.ok())
        return fail(key, RunStatus::kFailure,
                    "environment '" + request.environment + "': " + secrets.error().message);
      pending.secrets = std::move(*secrets);
    }
    if (environment->required_approvals > 0)
      pending.reviewers = std::make_unique<ReviewerPolicy>(*environment, file_, groups_);
  }
  tick(key);
}

// Checks the rules in order; the first that holds the job back decides what it waits for.
void EnvironmentAdmission::tick(const std::string& key) {
  auto it = pending_.find(key);
  if (it == pending_.end()) return;
  Pending& p = *it->second;
  p.timer = 0;
  const int64_t now = clock_.now_ms();
  if (p.environment == nullptr) return admit_now(key);  // an environment without rules
  if (!check_reviews(p, now) || !pending_.count(key)) return;
  if (!check_wait_timer(p, now)) return;
  if (!check_gates(p) || !pending_.count(key)) return;
  if (!check_concurrency(p, now)) return;
  admit_now(key);
}

bool EnvironmentAdmission::check_reviews(Pending& p, int64_t now) {
  if (!p.reviewers) return true;
  const EnvironmentSpec& env = *p.environment;
  auto loaded = store_.load_deployment(p.record.id);
  std::vector<engine::DeploymentReview> reviews;
  if (loaded.ok() && loaded->has_value()) reviews = (*loaded)->reviews;
  auto verdict = p.reviewers->judge(reviews, p.record.creator);
  if (verdict.rejection) {
    const auto& r = *verdict.rejection;
    fail(p.record.job_key, RunStatus::kFailure,
         fmt::format("deployment to '{}' rejected by {}{}", env.name, r.user,
                     r.comment.empty() ? "" : ": " + r.comment));
    return false;
  }
  if (verdict.approved()) return true;
  const int64_t expires = p.record.created_ms + env.approval_timeout_ms;
  if (now >= expires) {
    fail(p.record.job_key, RunStatus::kFailure,
         fmt::format("the approval for '{}' expired after {} ({} of {} approvals)", env.name,
                     duration_text(env.approval_timeout_ms), verdict.approvals, verdict.required));
    return false;
  }
  set_waiting(p, DeploymentWait::kApproval,
              fmt::format("waiting for approval to deploy to '{}': {} of {} from {}; "
                          "`sluice approve {} --env {}` (expires after {})",
                          env.name, verdict.approvals, verdict.required, p.reviewers->describe(),
                          p.record.run_id, env.name, duration_text(env.approval_timeout_ms)));
  if (!p.approval_announced) {
    p.approval_announced = true;
    emit(NotificationEvent::kApproval, p.record);
  }
  poll_later(p, std::min(settings_.poll_interval_ms, expires - now));
  return false;
}

bool EnvironmentAdmission::check_wait_timer(Pending& p, int64_t now) {
  const int64_t ends = p.record.created_ms + p.environment->wait_timer_ms;
  if (now >= ends) return true;
  // Said once (not counted down: every change of the reason is a line of the live
  // progress); the next check is exactly when it ends.
  if (p.record.waiting_on != DeploymentWait::kWaitTimer)
    set_waiting(p, DeploymentWait::kWaitTimer,
                fmt::format("wait timer of '{}': {} to go", p.environment->name, left(ends - now)));
  poll_later(p, ends - now);
  return false;
}

bool EnvironmentAdmission::check_gates(Pending& p) {
  const auto& names = p.environment->health_gates;
  if (p.next_gate >= names.size()) return true;
  if (p.gate) return false;  // running; its callbacks go on
  const std::string name = names[p.next_gate];
  const std::string key = p.record.job_key;
  if (gates_ == nullptr) {
    fail(key, RunStatus::kFailure, "health gate '" + name + "' cannot run here");
    return false;
  }
  set_waiting(p, DeploymentWait::kHealthGate, "health gate '" + name + "': starting");
  auto progress = [this, key, name](const std::string& line) {
    post([this, key, name, line] {
      auto it = pending_.find(key);
      if (it == pending_.end()) return;
      set_waiting(*it->second, DeploymentWait::kHealthGate, "health gate '" + name + "': " + line);
    });
  };
  auto done = [this, key, name](bool passed, const std::string& reason) {
    post([this, key, name, passed, reason] {
      auto it = pending_.find(key);
      if (it == pending_.end()) return;
      it->second->gate.reset();
      if (!passed)
        return fail(key, RunStatus::kFailure, "health gate '" + name + "' failed: " + reason);
      ++it->second->next_gate;
      tick(key);
    });
  };
  p.gate = gates_->start(file_.health_gates.at(name), progress, done);
  return false;
}

bool EnvironmentAdmission::check_concurrency(Pending& p, int64_t now) {
  const int limit = p.environment->concurrency;
  if (limit <= 0) return true;
  if (p.record.waiting_on != DeploymentWait::kConcurrency)  // takes its place in line
    set_waiting(p, DeploymentWait::kConcurrency,
                fmt::format("waiting for a deployment to '{}' to finish (concurrency {})",
                            p.environment->name, limit));
  auto started = store_.try_start_deployment(p.record.id, limit, now);
  if (started.ok() && *started) {
    p.record.status = DeploymentStatus::kInProgress;
    p.record.waiting_on = DeploymentWait::kNone;
    p.record.reason.clear();
    p.record.updated_ms = now;
    return true;
  }
  if (!started.ok())
    set_waiting(p, DeploymentWait::kConcurrency,
                "cannot check the concurrency of '" + p.environment->name +
                    "': " + started.error().message);
  poll_later(p, settings_.poll_interval_ms);
  return false;
}

void EnvironmentAdmission::set_waiting(Pending& p, DeploymentWait on, const std::string& reason) {
  if (p.record.status == DeploymentStatus::kWaiting && p.record.waiting_on == on &&
      p.record.reason == reason)
    return;
  p.record.status = DeploymentStatus::kWaiting;
  p.record.waiting_on = on;
  p.record.reason = reason;
  save(p.record);
  if (p.waiting) p.waiting(reason);
}

void EnvironmentAdmission::poll_later(Pending& p, int64_t delay_ms) {
  if (p.timer != 0) loop_.cancel_timer(p.timer);
  const std::string key = p.record.job_key;
  p.timer = loop_.add_timer(std::max<int64_t>(delay_ms, 1), [this, key] { tick(key); });
}

void EnvironmentAdmission::admit_now(const std::string& key) {
  std::unique_ptr<Pending> p = take(key);
  if (!p) return;
  DeploymentRecord& d = p->record;
  if (d.status != DeploymentStatus::kInProgress) {  // try_start_deployment saved it already
    d.status = DeploymentStatus::kInProgress;
    d.waiting_on = DeploymentWait::kNone;
    d.reason.clear();
    save(d);
  }
  admitted_[key] = d;
  engine::Admission admission;
  admission.admitted = true;
  admission.deployment_id = d.id;
  if (p->environment) admission.vars = p->environment->vars;
  admission.secrets = std::move(p->secrets);
  p->decided(std::move(admission));
}

std::unique_ptr<EnvironmentAdmission::Pending> EnvironmentAdmission::take(const std::string& key) {
  auto it = pending_.find(key);
  if (it == pending_.end()) return nullptr;
  std::unique_ptr<Pending> p = std::move(it->second);
  pending_.erase(it);
  if (p->timer != 0) loop_.cancel_timer(p->timer);
  p->gate.reset();
  return p;
}

void EnvironmentAdmission::close(DeploymentRecord& d, RunStatus status, const std::string& reason) {
  d.status =
      status == RunStatus::kCancelled ? DeploymentStatus::kCancelled : DeploymentStatus::kFailure;
  d.waiting_on = DeploymentWait::kNone;
  d.reason = reason;
  save(d);
}

void EnvironmentAdmission::fail(const std::string& key, RunStatus status,
                                const std::string& reason) {
  std::unique_ptr<Pending> p = take(key);
  if (!p) return;
  close(p->record, status, reason);
  if (p->record.status == DeploymentStatus::kFailure) emit(NotificationEvent::kFailure, p->record);
  engine::Admission refused;
  refused.status = status;
  refused.reason = reason;
  refused.deployment_id = p->record.id;
  p->decided(std::move(refused));
}

void EnvironmentAdmission::abandon(int64_t /*run_id*/, const std::string& job_key, RunStatus status,
                                   const std::string& reason) {
  if (std::unique_ptr<Pending> p = take(job_key))
    close(p->record, status, reason.empty() ? "the job did not start" : reason);
}

void EnvironmentAdmission::finished(int64_t /*run_id*/, const std::string& job_key,
                                    RunStatus status) {
  auto it = admitted_.find(job_key);
  if (it == admitted_.end()) return;
  DeploymentRecord d = std::move(it->second);
  admitted_.erase(it);
  // The job's steps may have changed the record meanwhile (the deploy action sets the
  // revision, and rolled_back after a rollback): build on the stored copy.
  if (auto loaded = store_.load_deployment(d.id); loaded.ok() && loaded->has_value())
    d = std::move(**loaded);
  if (!engine::is_terminal(d.status)) {
    d.status = deployment_status(status);
    d.reason = d.status == DeploymentStatus::kSuccess
                   ? ""
                   : "the job ended " + std::string(to_string(status));
  }
  save(d);
  if (d.status == DeploymentStatus::kRolledBack) {
    emit(NotificationEvent::kRollback, d);
  } else if (d.status == DeploymentStatus::kFailure) {
    emit(NotificationEvent::kFailure, d);
  } else if (d.status == DeploymentStatus::kSuccess) {
    // Recovery: the environment's previous finished deployment did not succeed.
    auto history = store_.list_deployments(engine::DeploymentQuery{d.environment, 0, 50});
    bool recovered = false;
    if (history.ok()) {
      for (const DeploymentRecord& earlier : *history) {
        if (earlier.id >= d.id || !engine::is_terminal(earlier.status) ||
            earlier.status == DeploymentStatus::kCancelled)
          continue;
        recovered = earlier.status == DeploymentStatus::kFailure ||
                    earlier.status == DeploymentStatus::kRolledBack;
        break;
      }
    }
    emit(recovered ? NotificationEvent::kRecovery : NotificationEvent::kSuccess, d);
  }
}

}  // namespace sluice::deploy
