// EnvironmentGate: how the engine asks whether a job with `environment:` may start.
//
// The engine knows nothing of protection rules (deploy/environment_admission.h decides:
// branch policy, reviewers, wait timer, health gates, concurrency); it only holds the job
// instance back, shows what it waits for, and gives the admitted job its environment's
// variables and secrets.
//
// Protocol, per job instance (run id, job key), all on the engine thread:
//   admit() once, when the instance is first ready to start;
//   then `waiting(reason)` any number of times while it waits (the job's reason shows it),
//   then `decided(admission)` exactly once — possibly from inside admit() —
//   unless abandon() came first (the run or the job was cancelled), after which neither
//   callback is called again;
//   finished() once an admitted instance has ended (its final status, after retries).
// A RunContext without a gate runs `environment:` jobs unguarded, as before.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "engine/run_model.h"

namespace sluice::engine {

struct AdmissionRequest {
  int64_t run_id = 0;
  std::string job_key;      // "deploy" or "deploy (eu)"
  std::string environment;  // the evaluated `environment:` / `environment.name`
  std::string url;          // the evaluated `environment.url`, "" when none
};

struct Admission {
  bool admitted = false;
  RunStatus status = RunStatus::kFailure;  // when not admitted: kFailure or kCancelled
  std::string reason;                      // why not admitted
  int64_t deployment_id = 0;
  std::map<std::string, std::string> vars;     // override the run's vars for this job
  std::map<std::string, std::string> secrets;  // override the run's secrets for this job
};

class EnvironmentGate {
 public:
  virtual ~EnvironmentGate() = default;
  virtual void admit(const AdmissionRequest& request,
                     std::function<void(const std::string& reason)> waiting,
                     std::function<void(Admission)> decided) = 0;
  virtual void abandon(int64_t run_id, const std::string& job_key, RunStatus status,
                       const std::string& reason) = 0;
  virtual void finished(int64_t run_id, const std::string& job_key, RunStatus status) = 0;
};

}  // namespace sluice::engine
