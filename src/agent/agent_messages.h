// The messages of the agent protocol (docs/agent-protocol.md, "sluice-agent/1") as typed
// values, and their JSON forms.
//
// Both sides treat every message as untrusted input: parse_*() checks sizes, nesting,
// types and id shapes, and refuses a message whole with an error naming the field
// ("lines[3]: not a string"); nothing of a refused message is used. nlohmann/json stays in
// the .cpp. Fuzzed by agent_message_fuzz.cpp.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"
#include "engine/executor.h"

namespace sluice::agent {

inline constexpr const char* kProtocol = "sluice-agent/1";

// Limits (documented in docs/agent-protocol.md, "Validation").
inline constexpr size_t kMaxSmallBody = 64 * 1024;             // register, poll, heartbeat
inline constexpr size_t kMaxReportBody = 1024 * 1024;          // log chunk, result
inline constexpr size_t kMaxPollReplyBody = 16 * 1024 * 1024;  // messages to an agent
inline constexpr int kMaxDepth = 8;
inline constexpr size_t kMaxLineBytes = 64 * 1024;
inline constexpr size_t kMaxTextBytes = 1024 * 1024;  // script, summary
inline constexpr size_t kMaxLinesPerChunk = 1000;
inline constexpr size_t kMaxEnvEntries = 4096;
inline constexpr size_t kMaxLabels = 64;
inline constexpr size_t kMaxItems = 1000;    // outputs, annotations, masks, leases
inline constexpr size_t kMaxServices = 100;  // a container job's `services:`
inline constexpr size_t kMaxHeld = 64;       // held steps in a registration (one per lease)
inline constexpr size_t kProofChars = 64;    // a step_proof: hex HMAC-SHA256

// What an agent can do besides running script and node steps, named in its registration
// (RegisterRequest::features): the controller sends it only steps it can run.
inline constexpr const char* kFeatureContainers = "containers";  // container steps, Docker actions

// A step an agent still holds when it registers again after the controller restarted
// (docs/agent-protocol.md, "Controller restarts"): the latest step of one of its leases,
// running or finished, with reports the old controller may not have recorded.
struct HeldStep {
  std::string lease_id;  // the old controller's ids: unknown to the new one
  int64_t step_id = 0;
  int64_t run_id = 0;
  std::string job_key;
  int attempt = 1;        // the job attempt
  int step_index = 0;     // StepRecord::index
  int step_attempt = 1;   // AttemptRecord::attempt
  std::string proof;      // the step message's step_proof
  int64_t next_seq = 0;   // the first log chunk it delivers (the old controller had the others)
  bool finished = false;  // its result is ready (else it follows when the step ends)
  // The step message's held_terms, under the same proof (timeout_ms stays on the agent).
  engine::HeldTerms terms;
};

// The controller's answer for one held step.
struct HeldVerdict {
  std::string lease_id;
  int64_t step_id = 0;
  bool accepted = false;
  std::string delivery;  // accepted: where its reports go (/api/v1/agent/held/DELIVERY/...)
  std::string reason;    // refused: why
};

struct RegisterRequest {
  std::string protocol = kProtocol;
  std::string name;
  std::string version;
  std::vector<std::string> labels;
  int executors = 1;
  std::vector<std::string> features;  // kFeature*: what an older agent lacks
  std::vector<HeldStep> held;
};

// What a controller understands beyond the first form of sluice-agent/1 (RegisterReply's
// `features`): an agent uses a feature only when its controller names it.
// The last log lines of a step ride in its result (StepResult::lines).
inline constexpr const char* kFeatureResultLines = "result_lines";

struct RegisterReply {
  std::string agent_id;
  std::string session;
  int64_t lease_ttl_ms = 30000;
  int64_t heartbeat_ms = 10000;
  int64_t poll_wait_ms = 25000;
  std::vector<std::string> features;  // at most 64 of 1..64 characters
  bool has(std::string_view feature) const {
    for (const std::string& f : features)
      if (f == feature) return true;
    return false;
  }
  std::vector<HeldVerdict> held;  // one per held step of the request, in its order
};

struct PollRequest {
  int64_t wait_ms = 0;
};

struct HeartbeatRequest {
  std::vector<std::string> leases;
};

struct HeartbeatReply {
  std::vector<std::string> lost;
};

// The controller's directories a lease's step requests name (docs: "Paths").
struct LeaseRoots {
  std::string workspace;
  std::string temp;
  std::string tool_cache;
  std::string home;
};

struct LeaseMessage {
  std::string lease_id;
  std::string job_scope;
  int64_t run_id = 0;
  std::string job_key;
  int attempt = 1;
  int64_t ttl_ms = 30000;
  std::vector<std::string> secrets;
  LeaseRoots roots;
  std::string workspace_url;  // "" when the agent gets no workspace
  // The SHA-256 (64 lowercase hex digits) of the tar at workspace_url when it is shared by
  // leases (a commit's snapshot), so that an agent may keep its tree: "" otherwise.
  std::string workspace_sha256;
};

// A step for an agent: the fields of engine::StepRequest that travel (not the log writer,
// the masker). `request.step_files_dir` is the controller's (the job's containers mount it;
// the agent mounts its own instead).
struct StepMessage {
  std::string lease_id;
  int64_t step_id = 0;
  engine::StepRequest request;
  // The origin ("http://127.0.0.1:PORT") of the controller's runtime services that the
  // request's env names; the agent serves them on its own loopback (runtime_proxy.h). "" none.
  std::string runtime_origin;
  // The event payload file that GITHUB_EVENT_PATH (event_path) names on the controller, sent
  // with the first step of a lease that names it.
  std::string event_path;
  std::string event;
  // The action directory (GITHUB_ACTION_PATH) of a step that runs an action from the
  // controller's action cache, and where the agent downloads it as a tar ("" none).
  std::string action_path;
  std::string action_url;
  // The step's record and attempt (StepRequest::record_index/record_attempt) and the
  // controller's proof that it sent this step of this job attempt: what the agent names
  // when it holds the step across a controller restart. step_index -1 (a step inside a
  // composite action) and "" proof: the step cannot be held.
  int step_index = -1;
  int step_attempt = 0;
  std::string step_proof;
  // What its result decides if the controller restarts meanwhile: request.held, sent with
  // the proof ("held_terms"), which covers it.
};

struct ControllerMessage {
  enum class Type { kLease, kStep, kCancel, kEndJob };
  Type type = Type::kLease;
  LeaseMessage lease;    // kLease
  StepMessage step;      // kStep
  std::string lease_id;  // kCancel, kEndJob (and a copy of the others')
  int64_t step_id = 0;   // kCancel
};

struct LogChunk {
  int64_t seq = 0;
  std::vector<std::string> lines;
};

struct StepResult {
  int64_t log_chunks = 0;  // chunks sent apart, before `lines`
  // The step's last log lines, after its log_chunks chunks (at most kMaxLinesPerChunk): sent
  // only to a controller with kFeatureResultLines.
  std::vector<std::string> lines;
  engine::StepOutcome outcome;
  std::vector<std::string> masks;  // values the step registered with ::add-mask::
  // The agent killed the step at its held_terms timeout (it held the step: the controller
  // that would have was gone).
  bool timed_out = false;
};

// Ids the controller hands out: a letter, '-', digits ("a-3", "l-9").
bool valid_id(std::string_view id);
// Agent labels: 1..64 characters of [A-Za-z0-9._-].
bool valid_label(std::string_view label);
// A SHA-256 as 64 lowercase hex digits.
bool valid_sha256(std::string_view text);

std::string encode(const RegisterRequest& m);
std::string encode(const RegisterReply& m);
std::string encode(const PollRequest& m);
std::string encode(const HeartbeatRequest& m);
std::string encode(const HeartbeatReply& m);
std::string encode(const ControllerMessage& m);  // one message, for a poll reply
std::string encode_poll_reply(const std::vector<std::string>& encoded_messages);
std::string encode(const LogChunk& m);
std::string encode(const StepResult& m);

Result<RegisterRequest> parse_register_request(std::string_view body);
Result<RegisterReply> parse_register_reply(std::string_view body);
Result<PollRequest> parse_poll_request(std::string_view body);
Result<HeartbeatRequest> parse_heartbeat_request(std::string_view body);
Result<HeartbeatReply> parse_heartbeat_reply(std::string_view body);
Result<std::vector<ControllerMessage>> parse_poll_reply(std::string_view body);
Result<LogChunk> parse_log_chunk(std::string_view body);
Result<StepResult> parse_step_result(std::string_view body);

// {"error":{"code":CODE,"message":MESSAGE}}, the API's error shape.
std::string encode_error(std::string_view code, std::string_view message);
// The code of such a body; "" when it is not one.
std::string error_code(std::string_view body);

}  // namespace sluice::agent
