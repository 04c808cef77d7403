// Mapping the controller's directories in a step request onto the agent's own
// (docs/agent-protocol.md, "Paths"), and back in what the step reports.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "engine/executor.h"

namespace sluice::agent {

// (from, to) pairs; apply() replaces `from` wherever it appears as a whole path: followed
// by the end, '/' or ':' and preceded by the start, ':', '=' or whitespace. Longest
// `from` first, so that nested roots map to their own directory. Empty `from`s are ignored.
class PathMap {
 public:
  void add(std::string from, std::string to);
  std::string apply(const std::string& text) const;
  PathMap reversed() const;

 private:
  std::vector<std::pair<std::string, std::string>> pairs_;  // longest from first
};

// Maps working_directory, script_path and every env value of `request`.
void map_request(engine::StepRequest& request, const PathMap& map);
// Maps the GITHUB_PATH entries and GITHUB_ENV values of `outcome`.
void map_outcome(engine::StepOutcome& outcome, const PathMap& map);

}  // namespace sluice::agent
