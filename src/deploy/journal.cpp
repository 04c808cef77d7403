#include "deploy/journal.h"

#include <sys/random.h>

#include <cstdio>
#include <nlohmann/json.hpp>

namespace sluice::deploy {

using engine::DeployJournalEntry;
using nlohmann::json;

bool is_final_state(const std::string& state) {
  return state == kSucceeded || state == kFailed || state == kRolledBack || state == kInterrupted;
}

std::string new_deployment_id(int64_t run_id, int64_t now_ms) {
  unsigned short salt = 0;
  if (::getrandom(&salt, sizeof salt, 0) != sizeof salt) salt = static_cast<unsigned short>(now_ms);
  char buf[64];
  std::snprintf(buf, sizeof buf, "d-%lld-%lld-%04x", static_cast<long long>(run_id),
                static_cast<long long>(now_ms), salt);
  return buf;
}

Journal::Journal(engine::Store& store, std::string deployment_id, std::string environment,
                 int64_t run_id, std::function<int64_t()> now_ms)
    : store_(store),
      deployment_id_(std::move(deployment_id)),
      environment_(std::move(environment)),
      run_id_(run_id),
      now_ms_(std::move(now_ms)) {}

DeployJournalEntry Journal::entry(const std::string& target, const std::string& phase,
                                  const std::string& state, const std::string& detail) const {
  DeployJournalEntry e;
  e.deployment_id = deployment_id_;
  e.environment = environment_;
  e.run_id = run_id_;
  e.target = target;
  e.phase = phase;
  e.state = state;
  e.detail = detail;
  e.time_ms = now_ms_();
  return e;
}

Status Journal::record(const std::string& target, const std::string& phase,
                       const std::string& state, const std::string& detail) {
  DeployJournalEntry e = entry(target, phase, state, detail);
  std::lock_guard lock(mutex_);
  return store_.append_deploy_journal(e);
}

Status Journal::note(const std::string& target, const std::string& phase, const std::string& state,
                     const std::string& detail) {
  DeployJournalEntry e = entry(target, phase, state, detail);
  std::lock_guard lock(mutex_);
  return store_.queue_deploy_journal(e);
}

Result<std::vector<Journal::Request>> Journal::new_requests() {
  auto entries = store_.load_deploy_journal(deployment_id_);
  if (!entries) return entries.error();
  std::vector<Request> requests;
  std::lock_guard lock(mutex_);
  for (const DeployJournalEntry& e : *entries) {
    if (e.seq <= seen_seq_) continue;
    seen_seq_ = e.seq;
    if (e.phase != kPhaseRequest) continue;
    if (e.state == "promote") requests.push_back(Request::kPromote);
    if (e.state == "abort") requests.push_back(Request::kAbort);
  }
  return requests;
}

Status request(engine::Store& store, const DeployJournalEntry& head, Journal::Request what,
               const std::string& who, int64_t now_ms) {
  DeployJournalEntry e;
  e.deployment_id = head.deployment_id;
  e.environment = head.environment;
  e.run_id = head.run_id;
  e.phase = kPhaseRequest;
  e.state = what == Journal::Request::kPromote ? "promote" : "abort";
  e.detail = who;
  e.time_ms = now_ms;
  return store.append_deploy_journal(e);
}

Result<std::vector<DeployJournalEntry>> request_run(engine::Store& store, int64_t run_id,
                                                    Journal::Request what, const std::string& who,
                                                    int64_t now_ms) {
  auto heads = store.list_deploy_heads("", 1000);
  if (!heads) return heads.error();
  std::vector<DeployJournalEntry> requested;
  for (const auto& head : *heads) {
    if (head.run_id != run_id || is_final_state(head.state)) continue;
    if (Status s = request(store, head, what, who, now_ms); !s) return s.error();
    requested.push_back(head);
  }
  return requested;
}

std::string header_json(const JournalHeader& header) {
  json spec = json::parse(to_json(header.spec));
  return json{{"spec", spec},
              {"owner", header.owner},
              {"rollback_of", header.rollback_of},
              {"previous", header.previous},
              {"live_colour", header.live_colour}}
      .dump();
}

Result<JournalHeader> parse_header(const std::string& detail) {
  try {
    json j = json::parse(detail);
    JournalHeader h;
    auto spec = spec_from_json(j.at("spec").dump());
    if (!spec) return spec.error();
    h.spec = std::move(*spec);
    h.owner = j.value("owner", "");
    h.rollback_of = j.value("rollback_of", "");
    h.previous = j.value("previous", "");
    h.live_colour = j.value("live_colour", "");
    return h;
  } catch (const std::exception& e) {
    return Error{std::string("journal: unreadable deployment header: ") + e.what(), {}};
  }
}

Result<std::optional<GoodDeployment>> last_good_deployment(engine::Store& store,
                                                           const std::string& environment) {
  // Deployments are few per environment; 1000 heads back is far beyond any rollback target.
  auto heads = store.list_deploy_heads(environment, 1000);
  if (!heads) return heads.error();
  for (const DeployJournalEntry& head : *heads) {
    if (head.phase != kPhaseDeployment || head.state != kSucceeded) continue;
    auto journal = store.load_deploy_journal(head.deployment_id);
    if (!journal) return journal.error();
    if (journal->empty()) continue;
    auto header = parse_header(journal->front().detail);
    if (!header) return header.error();
    GoodDeployment good;
    good.deployment_id = head.deployment_id;
    good.spec = std::move(header->spec);
    good.revision = good.spec.revision;
    try {
      good.colour = json::parse(head.detail).value("colour", "");
    } catch (const std::exception&) {
    }
    return std::optional<GoodDeployment>(std::move(good));
  }
  return std::optional<GoodDeployment>();
}

}  // namespace sluice::deploy
