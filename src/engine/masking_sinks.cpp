#include "engine/masking_sinks.h"

namespace sluice::engine {
namespace {

void mask(std::string& text, const SecretMasker& masker, std::string& scratch) {
  std::string_view masked = masker.mask(text, scratch);
  if (masked.data() != text.data()) text.assign(masked);
}

template <class Record>
Record masked(const Record& record, const SecretMasker& masker) {
  Record copy = record;
  mask_record(copy, masker);
  return copy;
}

}  // namespace

void mask_record(RunRecord& record, const SecretMasker& masker) {
  std::string scratch;
  for (std::string* text : {&record.workflow_name, &record.run_name, &record.inputs_json,
                            &record.reason, &record.vars_json})
    mask(*text, masker, scratch);
}

void mask_record(JobRecord& record, const SecretMasker& masker) {
  std::string scratch;
  for (std::string* text :
       {&record.name, &record.matrix_json, &record.reason, &record.outputs_json})
    mask(*text, masker, scratch);
}

void mask_record(StepRecord& record, const SecretMasker& masker) {
  std::string scratch;
  for (std::string* text : {&record.name, &record.reason, &record.outputs_json})
    mask(*text, masker, scratch);
}

void mask_record(AttemptRecord& record, const SecretMasker& masker) {
  std::string scratch;
  mask(record.reason, masker, scratch);
}

void mask_record(Annotation& record, const SecretMasker& masker) {
  std::string scratch;
  for (std::string* text : {&record.message, &record.title, &record.file})
    mask(*text, masker, scratch);
}

void mask_record(DeploymentRecord& record, const SecretMasker& masker) {
  std::string scratch;
  for (std::string* text : {&record.reason, &record.url, &record.revision})
    mask(*text, masker, scratch);
}

Status MaskingStore::create_deployment(DeploymentRecord& deployment) {
  DeploymentRecord copy = masked(deployment, *masker_);
  Status status = inner_.create_deployment(copy);
  deployment.id = copy.id;
  return status;
}

Status MaskingStore::save_deployment(const DeploymentRecord& deployment) {
  return inner_.save_deployment(masked(deployment, *masker_));
}

Status MaskingStore::create_run(RunRecord& run) {
  RunRecord copy = masked(run, *masker_);
  Status status = inner_.create_run(copy);
  run.id = copy.id;
  run.run_number = copy.run_number;
  return status;
}

Status MaskingStore::save_run(const RunRecord& run) {
  return inner_.save_run(masked(run, *masker_));
}
Status MaskingStore::save_job(const JobRecord& job) {
  return inner_.save_job(masked(job, *masker_));
}
Status MaskingStore::save_step(const StepRecord& step) {
  return inner_.save_step(masked(step, *masker_));
}
Status MaskingStore::save_attempt(const AttemptRecord& attempt) {
  return inner_.save_attempt(masked(attempt, *masker_));
}
Status MaskingStore::add_annotation(const Annotation& annotation) {
  return inner_.add_annotation(masked(annotation, *masker_));
}

void MaskingObserver::on_run(const RunRecord& run) {
  observer_.on_run(masked(run, *masker_));
}
void MaskingObserver::on_job(const JobRecord& job) {
  observer_.on_job(masked(job, *masker_));
}
void MaskingObserver::on_step(const StepRecord& step) {
  observer_.on_step(masked(step, *masker_));
}
void MaskingObserver::on_attempt(const AttemptRecord& attempt) {
  observer_.on_attempt(masked(attempt, *masker_));
}
void MaskingObserver::on_annotation(const Annotation& annotation) {
  observer_.on_annotation(masked(annotation, *masker_));
}
void MaskingObserver::on_error(const std::string& message) {
  observer_.on_error(masker_->mask(message));
}

}  // namespace sluice::engine
