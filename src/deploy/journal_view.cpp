#include "deploy/journal_view.h"

#include <algorithm>

#include "deploy/journal.h"

namespace sluice::deploy {

Result<std::vector<JournalDeployment>> journal_of(engine::Store& store, int64_t run_id,
                                                  const std::string& environment, int scan_limit) {
  std::vector<JournalDeployment> out;
  if (run_id == 0) return out;
  auto heads = store.list_deploy_heads(environment, scan_limit);
  if (!heads) return heads.error();
  for (const auto& head : *heads) {
    // "" names every environment in list_deploy_heads; here it is the environment "".
    if (head.run_id != run_id || head.environment != environment) continue;
    auto entries = store.load_deploy_journal(head.deployment_id);
    if (!entries) return entries.error();
    JournalDeployment& d = out.emplace_back();
    d.id = head.deployment_id;
    d.phase = head.phase;
    d.state = head.state;
    d.entries = std::move(*entries);
    if (!d.entries.empty()) {
      // The header holds the whole spec (hooks' commands included): kept out of the view.
      if (auto header = parse_header(d.entries.front().detail)) {
        d.strategy = to_string(header->spec.strategy);
        d.revision = header->spec.revision;
        d.rollback_of = header->rollback_of;
      }
      d.entries.front().detail.clear();
    }
  }
  std::reverse(out.begin(), out.end());  // heads come newest first
  return out;
}

}  // namespace sluice::deploy
