// Reading an AWS CodeDeploy appspec.yml as is, so that a CodeDeploy user's scripts run
// unchanged: `version: 0.0`, `os: linux`, and `hooks:` mapping lifecycle events to lists of
// {location, timeout, runas}. `location` is relative to the appspec's directory (the
// bundle root) and must exist; `timeout` is in seconds, at most 3600, and the timeouts of
// one event add up to at most 3600 (CodeDeploy's rule); `runas` is a user name. `files:`
// and `permissions:` are accepted and ignored: the Install hook puts files in place (sluice
// has no bundle to copy). Every error is reported with file:line:col.
#pragma once

#include <string>
#include <string_view>

#include "core/diagnostic.h"
#include "deploy/deploy_spec.h"

namespace sluice::deploy {

// `source` is the file's text; `path` its path (messages, and the base of `location`).
// Script paths in the result are absolute. Returns the hooks read; `diagnostics` gets every
// problem (the hooks are usable only when it has no errors).
HookMap read_appspec(const std::string& path, std::string_view source, Diagnostics& diagnostics);

}  // namespace sluice::deploy
