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

// Maps working_directory, script_path and every env value of `request`, and every field of
// its containers and Docker action that may name a path: the job container's and services'
// env values, volumes and options, the mounts and working directories, the Dockerfile
// (its directory is the build context), entrypoint and args. `containers` becomes a copy of
// its own (the original is shared by the job's other requests).
void map_request(engine::StepRequest& request, const PathMap& map);
// map_request for a step the agent runs with its own step-files directory `step_files_dir`:
// the controller's (request.step_files_dir) maps to it, and the job's containers and Docker
// action mount it wherever they mounted the controller's, also when that one was a root
// mapped elsewhere (a controller without /dev/shm keeps step files in RUNNER_TEMP).
// request.step_files_dir becomes `step_files_dir`.
void map_step_request(engine::StepRequest& request, PathMap map, const std::string& step_files_dir);
// Maps the GITHUB_PATH entries and GITHUB_ENV values of `outcome`.
void map_outcome(engine::StepOutcome& outcome, const PathMap& map);

}  // namespace sluice::agent
