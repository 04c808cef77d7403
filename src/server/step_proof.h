// Step proofs: how a controller recognises, after a restart, the steps it sent to agents
// (docs/agent-protocol.md, "Controller restarts").
//
// Every step message to an agent carries step_proof = HMAC-SHA256 under the controller's
// proof key of the step's identity (lease, run, job, job attempt, step record and attempt).
// The key lives in DATA_DIR/agent-proof.key (mode 0600), made once and kept across
// restarts, so a new controller process can check a held step an agent names: no agent
// can write into a run, job or step it was not sent, since it cannot compute the proof.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "core/result.h"
#include "engine/executor.h"

namespace sluice::server {

// What a step proof covers.
struct ProvenStep {
  std::string lease_id;
  int64_t run_id = 0;
  std::string job_key;
  int attempt = 1;
  int step_index = 0;
  int step_attempt = 1;
  // What its result decides (the step message's held_terms, but its timeout, which only
  // the agent uses): an agent cannot make its step close the job, or the run, unless the
  // engine said so.
  engine::HeldTerms terms;
};

// The key of DATA_DIR/agent-proof.key, created (32 random bytes, hex, mode 0600) when
// missing. An error names the file.
Result<std::string> load_step_proof_key(const std::filesystem::path& data_dir);

// 64 lowercase hex digits.
std::string step_proof(const std::string& key, const ProvenStep& step);

// Whether `proof` is step_proof(key, step), compared in constant time; false for an empty
// key.
bool step_proof_matches(const std::string& key, const ProvenStep& step, const std::string& proof);

}  // namespace sluice::server
