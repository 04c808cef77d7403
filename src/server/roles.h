// Roles of the controller's tokens: read < operate < admin for people and scripts, and
// agent for remote agents (which may call only the agent endpoints).
#pragma once

#include <optional>
#include <string>

namespace sluice::server {

enum class Role { kNone, kRead, kOperate, kAdmin, kAgent };

const char* to_string(Role role);  // "read", "operate", "admin", "agent", "none"
std::optional<Role> role_from_string(const std::string& text);

// Whether a caller with `have` may call an endpoint that needs `need`: admin passes every
// check; agent passes only agent checks; otherwise read < operate < admin.
bool role_allows(Role have, Role need);

}  // namespace sluice::server
