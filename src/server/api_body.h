// The JSON bodies the API accepts, parsed defensively: size is capped by the server
// (ApiServer::kDefaultBodyLimit), nesting here (kMaxDepth), every field checked for its
// type, unknown fields refused (a typo should not pass silently).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/result.h"
#include "server/roles.h"

namespace sluice::server {

constexpr int kMaxJsonDepth = 16;

struct DispatchBody {
  std::string ref;                                          // "" : the project's first branch
  std::vector<std::pair<std::string, std::string>> inputs;  // as given; typed by the workflow
};
struct RerunBody {
  bool failed_only = false;
};
struct TokenBody {
  Role role = Role::kRead;
  std::string name;
};

// {"ref": "main", "inputs": {"name": "value" | true | 3}}; an empty body is {}.
Result<DispatchBody> parse_dispatch_body(const std::string& body);
// {"failed": true}
Result<RerunBody> parse_rerun_body(const std::string& body);
// {"role": "read|operate|admin|agent", "name": "..."}
Result<TokenBody> parse_token_body(const std::string& body);
// {"token": "..."} → the token
Result<std::string> parse_session_body(const std::string& body);

}  // namespace sluice::server
