// Reading the journal back for people: the journal deployments behind one deployment record
// (engine/deployment_record.h) — what the controller's API and web UI show
// (GET /api/v1/deployments/{id}, docs/api.md).
//
// A record (a job with `environment:`) and the journal deployments of its `sluice/deploy`
// steps meet on (run, environment): the step's `environment` input names the record's
// environment. A record has none when its job deployed nothing with the action; it has
// several when a step rolled back (the rollback is a deployment of its own) or the job
// deployed twice.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"
#include "engine/deploy_journal_entry.h"
#include "engine/store.h"

namespace sluice::deploy {

struct JournalDeployment {
  std::string id;  // DEPLOYMENT_ID
  std::string strategy, revision;
  std::string rollback_of;   // the deployment this one rolls back, "" for a deployment
  std::string phase, state;  // the last entry's ("pause started", "deployment succeeded", ...)
  std::vector<engine::DeployJournalEntry> entries;  // by seq; the header's detail is left out
};

// The journal deployments of run `run_id` in `environment`, oldest first. Reads the newest
// `scan_limit` deployments of the environment.
Result<std::vector<JournalDeployment>> journal_of(engine::Store& store, int64_t run_id,
                                                  const std::string& environment,
                                                  int scan_limit = 1000);

}  // namespace sluice::deploy
