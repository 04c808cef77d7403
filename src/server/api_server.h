// ApiServer: the controller's one HTTP handler (runtime::HttpServer calls it). Every
// request passes here: body limits, authentication (bearer token or session cookie with
// its CSRF header), the role check of the matched route or mount, the handler, a
// structured log line, and the request counters /metrics reports.
//
// Threading: handle() runs on the HTTP server's handler pool, concurrently; plan_body()
// on the server thread. Routes and mounts are added before the server starts.
#pragma once

#include <atomic>
#include <functional>
#include <iosfwd>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "runtime/http_server.h"
#include "server/router.h"

namespace sluice::server {

// Who a request comes from (server/auth.h implements it with the token store).
class Authenticator {
 public:
  virtual ~Authenticator() = default;
  virtual Caller authenticate(const HttpRequest& request) = 0;
  // Whether a cookie-authenticated state change carries the right X-Sluice-CSRF header.
  virtual bool csrf_ok(const HttpRequest& request) = 0;
};

class ApiServer final : public runtime::HttpHandler {
 public:
  static constexpr uint64_t kDefaultBodyLimit = 1 << 20;  // JSON bodies: 1 MiB

  // `log`: one line per request (nullptr: none); `mask` hides secrets in it.
  ApiServer(Router& router, Authenticator& auth, std::ostream* log,
            std::function<std::string(const std::string&)> mask = {});

  runtime::BodyPlan plan_body(const HttpRequest& head) override;
  HttpResponse handle(HttpRequest& request) override;

  // Requests answered so far, by status code.
  std::map<int, uint64_t> requests_by_status() const;

 private:
  HttpResponse route(HttpRequest& request, Caller& caller);
  void log_request(const HttpRequest& request, const HttpResponse& response, const Caller& caller,
                   int64_t micros);

  Router& router_;
  Authenticator& auth_;
  std::ostream* log_;
  std::function<std::string(const std::string&)> mask_;
  mutable std::mutex mutex_;  // log_ and counts_
  std::map<int, uint64_t> counts_;
};

}  // namespace sluice::server
