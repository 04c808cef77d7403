// The deployment journal: every transition of a deployment, appended to the store
// (Store::append_deploy_journal) BEFORE the deployer acts on it.
//
// Entries (target, phase, state; detail):
//   -  deployment  started       the header: {"spec", "owner", "rollback_of", "previous"}
//   T  <Event>     started|succeeded|failed    one hook of one target (CodeDeploy names)
//   -  traffic     started|succeeded|failed    {"colour", "weight"}: where traffic goes
//   C  check       pass|fail|inconclusive      one measurement of check C
//   -  analysis    started|pass|fail|inconclusive
//   -  pause       started|ended
//   -  request     promote|abort               written by `sluice deploy promote|abort`
//   -  deployment  rolling-back  the reason; then a new deployment (its own id, header
//                                "rollback_of") redeploys the last good revision
//   -  deployment  succeeded|failed|rolled-back|interrupted    final; {"revision", "colour"}
//
// Invariant: a deployment whose last entry is not final was cut short; its "traffic
// started" entries say where traffic may have been sent (the entry precedes the switch), so
// recovery (recovery.h) always knows what to undo.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "deploy/deploy_spec.h"
#include "engine/store.h"

namespace sluice::deploy {

inline constexpr const char* kPhaseDeployment = "deployment";
inline constexpr const char* kPhaseTraffic = "traffic";
inline constexpr const char* kPhaseCheck = "check";
inline constexpr const char* kPhaseAnalysis = "analysis";
inline constexpr const char* kPhasePause = "pause";
inline constexpr const char* kPhaseRequest = "request";

inline constexpr const char* kStarted = "started";
inline constexpr const char* kSucceeded = "succeeded";
inline constexpr const char* kFailed = "failed";
inline constexpr const char* kRollingBack = "rolling-back";
inline constexpr const char* kRolledBack = "rolled-back";
inline constexpr const char* kInterrupted = "interrupted";

// True for the states that end a deployment.
bool is_final_state(const std::string& state);

// "d-<run>-<epoch ms>-<4 hex>": unique across processes.
std::string new_deployment_id(int64_t run_id, int64_t now_ms);

// Appends one deployment's entries. Thread-safe (the targets of a batch run side by side).
class Journal {
 public:
  Journal(engine::Store& store, std::string deployment_id, std::string environment, int64_t run_id,
          std::function<int64_t()> now_ms);

  const std::string& deployment_id() const { return deployment_id_; }
  // Returns once the entry is committed: what it announces may then be acted on.
  Status record(const std::string& target, const std::string& phase, const std::string& state,
                const std::string& detail = "");
  // For an entry nothing is acted on after (a result, a measurement): committed with the
  // next record(), in order (Store::queue_deploy_journal).
  Status note(const std::string& target, const std::string& phase, const std::string& state,
              const std::string& detail = "");

  enum class Request { kPromote, kAbort };
  // Promote/abort requests recorded by other processes since the last call.
  Result<std::vector<Request>> new_requests();

 private:
  engine::DeployJournalEntry entry(const std::string& target, const std::string& phase,
                                   const std::string& state, const std::string& detail) const;

  engine::Store& store_;
  std::string deployment_id_, environment_;
  int64_t run_id_;
  std::function<int64_t()> now_ms_;
  std::mutex mutex_;
  int64_t seen_seq_ = 0;
};

// Appends a promote or abort request to a running deployment (what the CLI does).
Status request(engine::Store& store, const engine::DeployJournalEntry& head, Journal::Request what,
               const std::string& who, int64_t now_ms);
// Appends the request to every unfinished deployment of run `run_id` (`sluice deploy
// promote|abort RUN`, POST /api/v1/runs/{id}/deploy/promote|abort); returns their heads as
// they were before it (none: the run has no deployment in progress).
Result<std::vector<engine::DeployJournalEntry>> request_run(engine::Store& store, int64_t run_id,
                                                            Journal::Request what,
                                                            const std::string& who, int64_t now_ms);

// What a finished good deployment left behind: the revision, its hooks (ApplicationStop of
// the next deployment runs its script) and the colour serving traffic.
struct GoodDeployment {
  std::string deployment_id;
  std::string revision;
  std::string colour;  // "" for in-place strategies
  DeploySpec spec;
};

// The header of a deployment (its first entry), parsed.
struct JournalHeader {
  DeploySpec spec;
  std::string owner;        // the process token (store/run_owner.h) that ran it
  std::string rollback_of;  // set on rollback deployments
  std::string previous;     // the last good deployment's id when it started
  std::string live_colour;  // the colour serving traffic when it started
};
std::string header_json(const JournalHeader& header);
Result<JournalHeader> parse_header(const std::string& detail);

// The newest deployment of `environment` whose final state is succeeded; nullopt if none.
Result<std::optional<GoodDeployment>> last_good_deployment(engine::Store& store,
                                                           const std::string& environment);

}  // namespace sluice::deploy
