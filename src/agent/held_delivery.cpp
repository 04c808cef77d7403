#include "agent/held_delivery.h"

namespace sluice::agent {

void hold_leases(Leases& leases) {
  for (auto& [id, lease] : leases) {
    lease->held = true;
    lease->delivery.clear();
  }
}

std::vector<HeldStep> held_steps(const Leases& leases, const Outbox& outbox) {
  std::vector<HeldStep> held;
  size_t bytes = 1024;  // the rest of the registration
  for (const auto& [id, lease] : leases) {
    if (!lease->held || lease->step_proof.empty() || held.size() >= kMaxHeld) continue;
    HeldStep h;
    h.lease_id = id;
    h.step_id = lease->step_id;
    h.run_id = lease->message.run_id;
    h.job_key = lease->message.job_key;
    h.attempt = lease->message.attempt;
    h.step_index = lease->step_index;
    h.step_attempt = lease->step_attempt;
    h.proof = lease->step_proof;
    h.finished = lease->step_done;
    h.terms = lease->step_terms;
    h.terms.timeout_ms = 0;  // the agent's alone
    h.next_seq = lease->step_log ? lease->step_log->chunks() : 0;
    for (const Report& r : outbox.reports())  // the first chunk the controller may not have
      if (r.lease_id == id && r.step_id == h.step_id && r.kind == Report::Kind::kLog) {
        h.next_seq = r.seq;
        break;
      }
    bytes += h.job_key.size() + 300;
    if (bytes > kMaxSmallBody) break;
    held.push_back(std::move(h));
  }
  return held;
}

std::vector<std::pair<std::string, std::string>> apply_verdicts(Leases& leases, Outbox& outbox,
                                                                const RegisterReply& reply) {
  std::vector<std::pair<std::string, std::string>> refused;
  for (auto& [id, lease] : leases) {
    if (!lease->held) continue;
    const HeldVerdict* verdict = nullptr;
    for (const HeldVerdict& v : reply.held)
      if (v.lease_id == id && v.step_id == lease->step_id) verdict = &v;
    if (!verdict || !verdict->accepted) {
      refused.emplace_back(id, verdict ? verdict->reason
                               : lease->step_proof.empty()
                                   ? "no step to deliver"
                                   : "the controller did not answer for it");
      continue;
    }
    lease->delivery = verdict->delivery;
    // A result the old controller acknowledged goes again: it may not have committed it.
    bool queued = false;
    for (const Report& r : outbox.reports())
      queued = queued || (r.lease_id == id && r.kind == Report::Kind::kResult);
    if (lease->step_done && !queued && !lease->last_result.empty())
      outbox.push(Report{0, id, lease->step_id, Report::Kind::kResult, 0, lease->last_result});
  }
  return refused;
}

std::vector<std::pair<std::string, engine::ExecutionId>> overdue_held_steps(
    Leases& leases, std::chrono::steady_clock::time_point now) {
  std::vector<std::pair<std::string, engine::ExecutionId>> overdue;
  for (auto& [id, lease] : leases) {
    auto deadline = lease->step_deadline;
    if (!lease->held) deadline += std::chrono::milliseconds(kTimeoutGraceMs);
    if (lease->step_done || lease->step_timed_out || lease->step_terms.timeout_ms <= 0 ||
        now < deadline)
      continue;
    auto running = lease->running.find(lease->step_id);
    if (running == lease->running.end() || running->second == 0) continue;  // not started yet
    lease->step_timed_out = true;
    overdue.emplace_back(id, running->second);
  }
  return overdue;
}

std::string report_target(const Leases& leases, const Report& report) {
  static const std::string api = "/api/v1/agent/";
  auto it = leases.find(report.lease_id);
  if (it == leases.end()) return "-";
  const Lease& lease = *it->second;
  const char* what = report.kind == Report::Kind::kLog ? "/log" : "/result";
  if (!lease.held)
    return api + "leases/" + report.lease_id + "/steps/" + std::to_string(report.step_id) + what;
  if (report.step_id != lease.step_id) return "-";  // an earlier step's: delivered already
  if (lease.delivery.empty()) return "";
  return api + "held/" + lease.delivery + what;
}

}  // namespace sluice::agent
