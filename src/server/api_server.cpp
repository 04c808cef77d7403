#include "server/api_server.h"

#include <chrono>
#include <nlohmann/json.hpp>
#include <ostream>

namespace sluice::server {

namespace {

bool is_state_change(const std::string& method) {
  return method != "GET" && method != "HEAD" && method != "OPTIONS";
}

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

ApiServer::ApiServer(Router& router, Authenticator& auth, std::ostream* log,
                     std::function<std::string(const std::string&)> mask)
    : router_(router), auth_(auth), log_(log), mask_(std::move(mask)) {}

runtime::BodyPlan ApiServer::plan_body(const HttpRequest& head) {
  Router::Match m = router_.match(head.method, head.path);
  if (m.kind == Router::Match::Kind::kMount && m.plan_body) return (*m.plan_body)(head);
  return runtime::BodyPlan::memory(kDefaultBodyLimit);
}

HttpResponse ApiServer::route(HttpRequest& request, Caller& caller) {
  Router::Match m = router_.match(request.method, request.path);
  if (m.kind == Router::Match::Kind::kNone)
    return json_error(404, "not_found", "no such endpoint: " + request.path);
  if (m.kind == Router::Match::Kind::kWrongMethod)
    return json_error(405, "method_not_allowed", request.method + " is not allowed here");
  if (m.route.role != Role::kNone) {
    caller = auth_.authenticate(request);
    if (caller.role == Role::kNone) {
      HttpResponse r = json_error(401, "unauthenticated",
                                  "send Authorization: Bearer TOKEN (sluice token create)");
      r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"sluice\"");
      return r;
    }
    if (!role_allows(caller.role, m.route.role))
      return json_error(403, "forbidden",
                        std::string("this needs the ") + to_string(m.route.role) +
                            " role; the token has " + to_string(caller.role));
    if (caller.by_cookie && is_state_change(request.method) && !auth_.csrf_ok(request))
      return json_error(403, "csrf",
                        "send the X-Sluice-CSRF header that POST /api/v1/session returned");
  }
  if (m.kind == Router::Match::Kind::kMount) return (*m.mounted)(request);
  m.route.caller_token_id = caller.token_id;
  return (*m.handler)(request, m.route);
}

HttpResponse ApiServer::handle(HttpRequest& request) {
  auto start = std::chrono::steady_clock::now();
  Caller caller;
  HttpResponse response;
  try {
    response = route(request, caller);
  } catch (const std::exception& e) {
    // A handler bug must not take the controller down; the client gets a 500.
    response = json_error(500, "internal", "internal error");
    if (log_) {
      std::lock_guard lock(mutex_);
      *log_ << "sluice serve: internal error in " << request.method << " " << request.path << ": "
            << (mask_ ? mask_(e.what()) : std::string(e.what())) << "\n";
    }
  }
  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                    std::chrono::steady_clock::now() - start)
                    .count();
  log_request(request, response, caller, micros);
  return response;
}

void ApiServer::log_request(const HttpRequest& request, const HttpResponse& response,
                            const Caller& caller, int64_t micros) {
  std::lock_guard lock(mutex_);
  ++counts_[response.status];
  if (!log_) return;
  // The path only (query strings may carry tokens), masked; never headers or bodies.
  std::string path = mask_ ? mask_(request.path) : request.path;
  nlohmann::json line = {{"ts_ms", now_ms()},
                         {"msg", "request"},
                         {"method", request.method},
                         {"path", path},
                         {"status", response.status},
                         {"micros", micros},
                         {"role", to_string(caller.role)},
                         {"token", caller.token_id}};
  *log_ << line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  log_->flush();
}

std::map<int, uint64_t> ApiServer::requests_by_status() const {
  std::lock_guard lock(mutex_);
  return counts_;
}

}  // namespace sluice::server
