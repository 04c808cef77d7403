// MaskingStore and MaskingObserver: the masking boundary of a run. Everything the engine
// hands to the world as a record (run, job, step, attempt, annotation) or as an error
// message passes through the run's SecretMasker here, whichever code path built it, so a
// secret never reaches the database or the terminal (issue 8 §3, docs/secrets.md).
//
// Masked: every free-text field (names, reasons, outputs, inputs, matrix values, annotation
// text and file). Not masked: keys and ids (job keys, step ids, log paths), which other
// records refer to: masking them with a masker that grows during the run (::add-mask::)
// would split one record into two. Log lines are masked where they are produced
// (WorkflowCommandProcessor, JobRun::log_line), step summaries in JobRun.
//
// Both wrap an object they do not own, which must outlive them; they are used on the
// engine thread like what they wrap.
#pragma once

#include <memory>

#include "core/secret_masker.h"
#include "engine/forwarding_store.h"
#include "engine/run_context.h"

namespace sluice::engine {

void mask_record(RunRecord& record, const SecretMasker& masker);
void mask_record(JobRecord& record, const SecretMasker& masker);
void mask_record(StepRecord& record, const SecretMasker& masker);
void mask_record(AttemptRecord& record, const SecretMasker& masker);
void mask_record(Annotation& record, const SecretMasker& masker);
void mask_record(DeploymentRecord& record, const SecretMasker& masker);

class MaskingStore : public ForwardingStore {
 public:
  MaskingStore(Store& store, std::shared_ptr<const SecretMasker> masker)
      : ForwardingStore(store), masker_(std::move(masker)) {}

  Status create_run(RunRecord& run) override;
  Status save_run(const RunRecord& run) override;
  Status save_job(const JobRecord& job) override;
  Status save_step(const StepRecord& step) override;
  Status save_attempt(const AttemptRecord& attempt) override;
  Status add_annotation(const Annotation& annotation) override;
  Status create_deployment(DeploymentRecord& deployment) override;
  Status save_deployment(const DeploymentRecord& deployment) override;
  // Everything else passes through; mark_interrupted's reason is written by sluice itself
  // (a pid), never by a step: nothing to mask.

 private:
  std::shared_ptr<const SecretMasker> masker_;
};

class MaskingObserver : public RunObserver {
 public:
  MaskingObserver(RunObserver& observer, std::shared_ptr<const SecretMasker> masker)
      : observer_(observer), masker_(std::move(masker)) {}

  void on_run(const RunRecord& run) override;
  void on_job(const JobRecord& job) override;
  void on_step(const StepRecord& step) override;
  void on_attempt(const AttemptRecord& attempt) override;
  void on_annotation(const Annotation& annotation) override;
  void on_error(const std::string& message) override;

 private:
  RunObserver& observer_;
  std::shared_ptr<const SecretMasker> masker_;
};

}  // namespace sluice::engine
