// Jobs with `environment:`: the engine's side of engine/environment_gate.h. An instance
// ready to start first asks the gate; while it waits it is kWaiting (its reason says for
// what) and holds no --jobs slot; once admitted it starts like any other instance, with
// the environment's vars and secrets over the run's.
#include "engine/engine.h"
#include "engine/job_node.h"
#include "engine/scalar_value.h"

namespace sluice::engine {

bool Engine::needs_admission(const JobNode& n, size_t index) const {
  return context_.environments != nullptr && n.planned->job->environment &&
         n.instances[index].admission == Instance::Admission::kNone;
}

void Engine::begin_admission(JobNode& n, size_t index) {
  Instance& instance = n.instances[index];
  const spec::Environment& environment = *n.planned->job->environment;
  expr::EvalContext ctx = job_context(n);
  ctx.contexts.set("matrix", instance.combo.is_null() ? Value::object() : instance.combo);
  auto name = evaluate_scalar(environment.name, ctx);
  if (!name.ok())
    return end_instance(n, index, RunStatus::kFailure, name.error().located_message());
  if (name->to_string().empty())
    return end_instance(
        n, index, RunStatus::kFailure,
        place_in(environment.name, Error{"the environment name is empty", {}}).located_message());
  AdmissionRequest request{run_.id, instance.record.key, name->to_string(), ""};
  // The url may name step outputs, unknown before the job runs: then it is left out.
  if (environment.url) {
    if (auto url = evaluate_scalar(*environment.url, ctx); url.ok())
      request.url = context_.masker->mask(url->to_string());
  }
  instance.admission = Instance::Admission::kWaiting;
  instance.record.status = RunStatus::kWaiting;
  instance.record.reason = "waiting for environment '" + request.environment + "'";
  save_job(instance.record);

  // Instances are never moved once expanded (JobNode::instances), so the callbacks may
  // hold the node and the index.
  JobNode* np = &n;
  auto waiting = [this, np, index](const std::string& reason) {
    Instance& i = np->instances[index];
    if (i.admission != Instance::Admission::kWaiting) return;
    i.record.reason = context_.masker->mask(reason);
    save_job(i.record);
  };
  auto decided = [this, np, index](Admission admission) {
    Instance& i = np->instances[index];
    if (i.admission != Instance::Admission::kWaiting) return;
    if (!admission.admitted) {
      i.admission = Instance::Admission::kNone;  // the gate has recorded why
      end_instance(*np, index, admission.status, admission.reason);
      schedule();
      return;
    }
    i.admission = Instance::Admission::kAdmitted;
    for (const auto& [key, value] : admission.secrets) context_.masker->add(value);
    i.environment_vars = std::move(admission.vars);
    i.environment_secrets = std::move(admission.secrets);
    i.record.status = RunStatus::kQueued;
    i.record.reason.clear();
    save_job(i.record);
    schedule();
  };
  context_.environments->admit(request, waiting, decided);
}

// The instance ends without (or after) running: the gate stops waiting for it, or records
// how the admitted job ended.
void Engine::end_admission(Instance& instance, RunStatus status, const std::string& reason) {
  auto admission = instance.admission;
  instance.admission = Instance::Admission::kNone;
  if (context_.environments == nullptr) return;
  if (admission == Instance::Admission::kWaiting)
    context_.environments->abandon(run_.id, instance.record.key, status, reason);
  else if (admission == Instance::Admission::kAdmitted)
    context_.environments->finished(run_.id, instance.record.key, status);
}

}  // namespace sluice::engine
