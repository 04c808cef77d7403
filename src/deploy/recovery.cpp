#include "deploy/recovery.h"

#include <ostream>

namespace sluice::deploy {

Result<std::vector<DeployOutcome>> recover_orphans(
    const DeployParts& parts, const std::string& environment,
    const std::function<bool(const std::string& owner)>& owner_gone, const std::string& owner,
    int64_t run_id) {
  auto heads = parts.store.list_deploy_heads(environment, 1000);
  if (!heads) return heads.error();
  std::vector<std::vector<engine::DeployJournalEntry>> rollbacks, originals;
  for (const auto& head : *heads) {
    if (is_final_state(head.state) || (run_id != 0 && head.run_id != run_id)) continue;
    auto journal = parts.store.load_deploy_journal(head.deployment_id);
    if (!journal) return journal.error();
    if (journal->empty()) continue;
    auto header = parse_header(journal->front().detail);
    if (!header) return header.error();
    if (header->owner.empty() || !owner_gone(header->owner)) continue;  // still running
    (header->rollback_of.empty() ? originals : rollbacks).push_back(std::move(*journal));
  }
  std::vector<DeployOutcome> outcomes;
  // Interrupted rollbacks first: their originals then start a fresh one.
  for (auto* group : {&rollbacks, &originals})
    for (const auto& journal : *group) {
      auto previous = last_good_deployment(parts.store, journal.front().environment);
      if (!previous) return previous.error();
      parts.log << "recovery: deployment " << journal.front().deployment_id
                << " was cut short (last entry: " << journal.back().phase << " "
                << journal.back().state << ")\n";
      outcomes.push_back(recover(parts, journal, *previous, owner));
    }
  return outcomes;
}

}  // namespace sluice::deploy
