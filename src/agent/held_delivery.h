// Held delivery: what an agent does with its leases when the controller restarted and no
// longer knows it (docs/agent-protocol.md, "Controller restarts").
//
// The leases are held (hold_leases); the next registration names the latest step of each,
// running or finished, with its step_proof (held_steps); the controller's verdicts say
// which it takes and under which delivery id (apply_verdicts); the taken steps' remaining
// reports then go to /held/DELIVERY/ (report_target), and their leases end after the
// result. The refused ones end at once.
//
// All of it runs under the agent's mutex, on the leases and outbox it guards.
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "agent/agent_messages.h"
#include "agent/lease.h"
#include "agent/outbox.h"

namespace sluice::agent {

// Every lease waits for the next registration's verdict on what it holds.
void hold_leases(Leases& leases);

// The latest step of each held lease that the controller can place (it came with a proof),
// within the registration's size limit.
std::vector<HeldStep> held_steps(const Leases& leases, const Outbox& outbox);

// Applies a registration's verdicts on the held leases: an accepted one gets its delivery
// id (and its last result queued again when the old controller acknowledged it: it may not
// have committed it). Returns the refused leases, for the caller to end, with why.
std::vector<std::pair<std::string, std::string>> apply_verdicts(Leases& leases, Outbox& outbox,
                                                                const RegisterReply& reply);

// The running steps whose timeout has passed by `now` in a held lease, or by
// kTimeoutGraceMs in another (the controller stops those itself, unless it is gone or
// cannot be reached): marked timed out, returned for the caller to kill (outside the
// agent's mutex), with their lease ids.
inline constexpr int64_t kTimeoutGraceMs = 10000;
std::vector<std::pair<std::string, engine::ExecutionId>> overdue_held_steps(
    Leases& leases, std::chrono::steady_clock::time_point now);

// Where `report` goes now: a live lease's path, a held delivery's, "" to wait (its lease
// waits for a verdict), or "-" to drop it (its lease is gone, or it is an earlier step's).
std::string report_target(const Leases& leases, const Report& report);

}  // namespace sluice::agent
