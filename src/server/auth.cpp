#include "server/auth.h"

#include <openssl/crypto.h>

#include "server/private_files.h"

namespace sluice::server {

std::string SessionAuth::session_cookie(const HttpRequest& request) {
  std::string cookies = request.header("cookie");
  const std::string name = "sluice_session=";
  size_t pos = 0;
  while (pos < cookies.size()) {
    while (pos < cookies.size() && (cookies[pos] == ' ' || cookies[pos] == ';')) ++pos;
    size_t end = cookies.find(';', pos);
    if (end == std::string::npos) end = cookies.size();
    if (cookies.compare(pos, name.size(), name) == 0)
      return cookies.substr(pos + name.size(), end - pos - name.size());
    pos = end + 1;
  }
  return "";
}

std::optional<Session> SessionAuth::session_of(const HttpRequest& request) {
  std::string id = session_cookie(request);
  if (id.empty()) return std::nullopt;
  std::lock_guard lock(mutex_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return std::nullopt;
  if (it->second.expires < std::chrono::steady_clock::now()) {
    sessions_.erase(it);
    return std::nullopt;
  }
  return it->second;
}

Caller SessionAuth::authenticate(const HttpRequest& request) {
  Caller caller;
  if (std::string token = runtime::bearer_token(request.header("authorization")); !token.empty()) {
    if (auto info = tokens_.find(token)) {
      caller.role = info->role;
      caller.token_id = info->id;
    }
    return caller;  // a wrong bearer token is not rescued by a cookie
  }
  if (auto session = session_of(request)) {
    caller.role = session->role;
    caller.token_id = session->token_id;
    caller.by_cookie = true;
  }
  return caller;
}

bool SessionAuth::csrf_ok(const HttpRequest& request) {
  auto session = session_of(request);
  std::string sent = request.header("x-sluice-csrf");
  return session && sent.size() == session->csrf.size() &&
         CRYPTO_memcmp(sent.data(), session->csrf.data(), sent.size()) == 0;
}

std::optional<Session> SessionAuth::login(const std::string& token) {
  auto info = tokens_.find(token);
  if (!info || info->role == Role::kAgent) return std::nullopt;
  Session s;
  s.id = random_hex(24);
  s.csrf = random_hex(16);
  s.role = info->role;
  s.token_id = info->id;
  s.expires = std::chrono::steady_clock::now() + kSessionLifetime;
  std::lock_guard lock(mutex_);
  // Drop expired sessions so that the map stays bounded by live ones.
  for (auto it = sessions_.begin(); it != sessions_.end();)
    it =
        it->second.expires < std::chrono::steady_clock::now() ? sessions_.erase(it) : std::next(it);
  sessions_[s.id] = s;
  return s;
}

void SessionAuth::logout(const HttpRequest& request) {
  std::string id = session_cookie(request);
  std::lock_guard lock(mutex_);
  sessions_.erase(id);
}

}  // namespace sluice::server
