#include "server/badge_lookup.h"

#include "server/controller.h"

namespace sluice::server {

bool badge_names_workflow(const std::string& file, const std::string& name,
                          const std::string& wanted) {
  if (wanted.empty()) return false;
  if (wanted == file || wanted == name) return true;
  std::string base = file.substr(file.rfind('/') + 1);
  if (wanted == base) return true;
  for (const char* extension : {".yml", ".yaml"}) {
    std::string ext(extension);
    if (base.size() > ext.size() && base.ends_with(ext) &&
        wanted == base.substr(0, base.size() - ext.size()))
      return true;
  }
  return false;
}

BadgeLookup controller_badge_lookup(Controller& controller) {
  return [&controller](const std::string& project,
                       const std::string& workflow) -> Result<BadgeLookupResult> {
    BadgeLookupResult out;
    const ProjectConfig* config = controller.project(project);
    if (!config) return out;
    auto workflows = controller.workflows(project);
    if (!workflows.ok()) return workflows.error();
    const WorkflowInfo* match = nullptr;
    for (const WorkflowInfo& info : *workflows) {
      if (badge_names_workflow(info.file, info.name, workflow)) {
        match = &info;
        break;
      }
    }
    if (!match) return out;
    out.found = true;
    out.label = match->name.empty() ? workflow : match->name;
    RunFilter filter;
    filter.project = project;
    filter.workflow = match->file;
    filter.ref = "refs/heads/" + (config->branches.empty() ? "main" : config->branches.front());
    filter.limit = 0;
    auto runs = controller.query_runs(filter);
    if (!runs.ok()) return runs.error();
    // Newest first; a run still going (or skipped as a whole) does not change the badge.
    for (const RunListing& listing : *runs) {
      engine::RunStatus status = listing.record.status;
      if (engine::is_terminal(status) && status != engine::RunStatus::kSkipped) {
        out.latest = status;
        break;
      }
    }
    return out;
  };
}

}  // namespace sluice::server
