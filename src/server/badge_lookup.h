// The badge's answer from the controller's history: the latest finished run of the workflow
// on the project's default branch (the first watched branch).
#pragma once

#include <string>

#include "server/badge.h"

namespace sluice::server {

class Controller;

// A workflow named in a badge URL: its file ("ci.yml" matches ".github/workflows/ci.yml"),
// the file's base name without its extension ("ci"), or the workflow's name ("CI").
bool badge_names_workflow(const std::string& file, const std::string& name,
                          const std::string& wanted);

// `controller` must outlive the lookup.
BadgeLookup controller_badge_lookup(Controller& controller);

}  // namespace sluice::server
