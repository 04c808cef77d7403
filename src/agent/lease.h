// Lease: what an agent keeps for one job it runs for the controller (docs/agent-protocol.md,
// "Leases"): its directory and path maps, its masker, its running steps, and the latest
// step, which the lease holds across a controller restart (held_delivery.h).
//
// Plain data: the agent's mutex guards it.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "agent/agent_messages.h"
#include "agent/agent_paths.h"
#include "agent/step_log.h"
#include "core/secret_masker.h"
#include "engine/executor.h"

namespace sluice::agent {

struct Lease {
  LeaseMessage message;
  std::string dir;
  std::string step_files_dir;  // its steps' command files: under dir, or on tmpfs
  std::shared_ptr<SecretMasker> masker = std::make_shared<SecretMasker>();
  PathMap to_agent;
  PathMap to_controller;
  std::string setup_error;  // the workspace could not be prepared: its steps fail to start
  // Values the controller knows to mask: the job's secrets and the ::add-mask:: values its
  // steps' results reported already.
  std::set<std::string> known_masks;
  // The controller's runtime origin, and runtime_'s listener for the lease that replaces it
  // in the steps' env ("" until a step names it, or when the listener could not open).
  bool runtime_mapped = false;
  std::string runtime_from, runtime_to;
  std::set<std::string> actions;  // action directories of the controller's, mapped in to_agent
  std::map<int64_t, engine::ExecutionId> running;  // step id -> executor id (0 until known)
  // The latest step (what the lease holds across a controller restart) and, once it
  // ended, its encoded result: kept after delivery until the lease ends, since a
  // controller that died before committing it needs it again.
  int64_t step_id = 0;
  int step_index = -1, step_attempt = 0;
  std::string step_proof;
  std::shared_ptr<StepLog> step_log;
  engine::HeldTerms step_terms;  // what its result decides (the step message's held_terms)
  // When its timeout passes (held_terms.timeout_ms after it came; none when 0), and whether
  // the agent killed it then: only while the lease is held (else the controller enforces it).
  std::chrono::steady_clock::time_point step_deadline{};
  bool step_timed_out = false;
  bool step_done = false;
  std::string last_result;
  // The controller no longer knows the agent: the lease waits for the verdict of the next
  // registration (held, delivery ""), then delivers to /held/DELIVERY/ and ends.
  bool held = false;
  std::string delivery;
};

using Leases = std::map<std::string, std::unique_ptr<Lease>>;

}  // namespace sluice::agent
