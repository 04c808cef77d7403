// One line of a deployment's journal (deploy/journal.h). The deployer appends an entry
// BEFORE it acts on the transition the entry records (runs a hook, switches traffic), so a
// sluice killed at any point leaves a journal that says how far the deployment may have
// got; recovery (deploy/recovery.h) reads it back and rolls the deployment back.
#pragma once

#include <cstdint>
#include <string>

namespace sluice::engine {

struct DeployJournalEntry {
  std::string deployment_id;  // DEPLOYMENT_ID: "d-..." (deploy/journal.h)
  int64_t seq = 0;            // 1, 2, ... within one deployment; assigned by the store
  std::string environment;    // DEPLOYMENT_GROUP_NAME; "" when the deploy names none
  int64_t run_id = 0;         // the sluice run whose step drives it; 0 outside a run
  std::string target;         // "" for the deployment as a whole
  std::string phase;          // what happens: "deployment", a lifecycle event, "traffic", ...
  std::string state;          // "started", "succeeded", "failed", ... (deploy/journal.h)
  std::string detail;         // free text or JSON, per phase
  int64_t time_ms = 0;        // epoch milliseconds
};

}  // namespace sluice::engine
