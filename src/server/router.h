// Router: the controller's HTTP front door. Dispatches a request by method and path pattern
// to a handler, after checking the caller's role; mounts other rooms' handlers by prefix.
//
// Patterns are paths with `{name}` segments ("/api/v1/runs/{id}/cancel"); a final
// `{name...}` takes the rest of the path, slashes included. Routes are tried in the order
// they were added; mounts (longest prefix first) before routes.
//
// Threading: add() and mount() before the server starts; dispatch() from any thread.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/http_server.h"
#include "server/roles.h"

namespace sluice::server {

// The non-empty segments of a URL path: "/a//b/" -> {"a", "b"}.
std::vector<std::string> split_path(std::string_view path);

using runtime::BodyPlan;
using runtime::HttpRequest;
using runtime::HttpResponse;

struct Route {
  std::string method;
  std::string pattern;
  Role role = Role::kRead;                    // the least role a caller needs
  std::map<std::string, std::string> params;  // filled by a match: {name} -> decoded segment
  // The authenticated caller's token id (ApiServer::route fills it; "" when none): who
  // approves a deployment (POST /api/v1/runs/{id}/approve).
  std::string caller_token_id{};

  std::string param(const std::string& name) const {
    auto it = params.find(name);
    return it == params.end() ? std::string() : it->second;
  }
};

using RouteHandler = std::function<HttpResponse(HttpRequest&, const Route&)>;

// Who is calling: what the front door (server/api_server.h) found in the request.
struct Caller {
  Role role = Role::kNone;
  std::string token_id;    // the token's id (never the token), "" when none
  bool by_cookie = false;  // authenticated with the session cookie (CSRF applies)
};

// A JSON error body {"error":{"code":...,"message":...}} with `status`.
HttpResponse json_error(int status, const std::string& code, const std::string& message);

class Router {
 public:
  void add(std::string method, std::string pattern, Role role, RouteHandler handler);

  // Another room's handler for every path under `prefix` (e.g. "/hooks/"). `role`:
  // Role::kNone lets every request through (the handler authenticates it itself, e.g. a
  // webhook signature), else the least role the caller needs. `plan_body`, when set,
  // decides where the request's body goes (default: memory, up to the server's limit).
  void mount(std::string prefix, Role role, std::function<HttpResponse(HttpRequest&)> handle,
             std::function<BodyPlan(const HttpRequest&)> plan_body = {});

  struct Match {
    enum class Kind { kNone, kRoute, kMount, kWrongMethod } kind = Kind::kNone;
    Route route;  // kRoute: with params; kMount: role only
    const RouteHandler* handler = nullptr;
    const std::function<HttpResponse(HttpRequest&)>* mounted = nullptr;
    const std::function<BodyPlan(const HttpRequest&)>* plan_body = nullptr;
  };
  Match match(const std::string& method, const std::string& path) const;

 private:
  struct Entry {
    Route route;
    std::vector<std::string> segments;
    RouteHandler handler;
  };
  struct Mount {
    std::string prefix;
    Role role;
    std::function<HttpResponse(HttpRequest&)> handle;
    std::function<BodyPlan(const HttpRequest&)> plan_body;
  };
  std::vector<Entry> routes_;
  std::vector<Mount> mounts_;  // longest prefix first
};

}  // namespace sluice::server
