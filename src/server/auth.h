// SessionAuth: who a request comes from. A bearer token (Authorization: Bearer T) is
// looked up in the TokenStore; the web UI instead logs in once (POST /api/v1/session with
// a token) and gets an HttpOnly SameSite=Strict cookie `sluice_session` naming a session
// held in memory, plus a CSRF value that every cookie-authenticated state change must
// send back in X-Sluice-CSRF. Sessions end after 12 hours or when the controller stops.
//
// Threading: thread-safe.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "server/api_server.h"
#include "server/token_store.h"

namespace sluice::server {

struct Session {
  std::string id;    // the cookie's value
  std::string csrf;  // what X-Sluice-CSRF must carry
  Role role = Role::kNone;
  std::string token_id;
  std::chrono::steady_clock::time_point expires;
};

class SessionAuth final : public Authenticator {
 public:
  static constexpr auto kSessionLifetime = std::chrono::hours(12);

  explicit SessionAuth(TokenStore& tokens) : tokens_(tokens) {}

  Caller authenticate(const HttpRequest& request) override;
  bool csrf_ok(const HttpRequest& request) override;

  // Logs in with `token`; nullopt when it is not a token of ours (or an agent token).
  std::optional<Session> login(const std::string& token);
  void logout(const HttpRequest& request);

  // The value of the session cookie in `request` ("" when there is none).
  static std::string session_cookie(const HttpRequest& request);

 private:
  std::optional<Session> session_of(const HttpRequest& request);

  TokenStore& tokens_;
  std::mutex mutex_;
  std::map<std::string, Session> sessions_;
};

}  // namespace sluice::server
