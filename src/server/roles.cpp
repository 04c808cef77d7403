#include "server/roles.h"

namespace sluice::server {

const char* to_string(Role role) {
  switch (role) {
    case Role::kRead:
      return "read";
    case Role::kOperate:
      return "operate";
    case Role::kAdmin:
      return "admin";
    case Role::kAgent:
      return "agent";
    case Role::kNone:
      break;
  }
  return "none";
}

std::optional<Role> role_from_string(const std::string& text) {
  for (Role r : {Role::kRead, Role::kOperate, Role::kAdmin, Role::kAgent})
    if (text == to_string(r)) return r;
  return std::nullopt;
}

bool role_allows(Role have, Role need) {
  if (need == Role::kNone) return true;
  if (have == Role::kNone) return false;
  if (have == Role::kAdmin) return true;
  if (need == Role::kAgent || have == Role::kAgent) return have == need;
  return static_cast<int>(have) >= static_cast<int>(need);
}

}  // namespace sluice::server
