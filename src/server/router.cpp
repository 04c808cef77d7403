#include "server/router.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace sluice::server {

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    if (end > start) parts.emplace_back(path.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

namespace {

bool is_param(const std::string& p) {
  return p.size() > 2 && p.front() == '{' && p.back() == '}';
}

bool match_one(const std::string& pattern, const std::string& part,
               std::map<std::string, std::string>& params) {
  if (is_param(pattern)) {
    params[pattern.substr(1, pattern.size() - 2)] = runtime::percent_decode(part);
    return true;
  }
  return pattern == part;
}

// A `{name...}` segment takes every path segment between the pattern's segments before
// and after it (at least one).
bool match_segments(const std::vector<std::string>& pattern, const std::string& path,
                    std::map<std::string, std::string>& params) {
  std::vector<std::string> parts = split_path(path);
  size_t rest = pattern.size();
  for (size_t i = 0; i < pattern.size(); ++i)
    if (is_param(pattern[i]) && pattern[i].ends_with("...}")) rest = i;
  if (rest == pattern.size()) {
    if (parts.size() != pattern.size()) return false;
    for (size_t i = 0; i < parts.size(); ++i)
      if (!match_one(pattern[i], parts[i], params)) return false;
    return true;
  }
  size_t after = pattern.size() - rest - 1;
  if (parts.size() < rest + 1 + after) return false;
  for (size_t i = 0; i < rest; ++i)
    if (!match_one(pattern[i], parts[i], params)) return false;
  for (size_t i = 0; i < after; ++i)
    if (!match_one(pattern[rest + 1 + i], parts[parts.size() - after + i], params)) return false;
  std::string joined;
  for (size_t j = rest; j < parts.size() - after; ++j) joined += (j > rest ? "/" : "") + parts[j];
  const std::string& p = pattern[rest];
  params[p.substr(1, p.size() - 5)] = runtime::percent_decode(joined);
  return true;
}

}  // namespace

HttpResponse json_error(int status, const std::string& code, const std::string& message) {
  nlohmann::json body = {{"error", {{"code", code}, {"message", message}}}};
  return HttpResponse::json(status,
                            body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

void Router::add(std::string method, std::string pattern, Role role, RouteHandler handler) {
  Entry e;
  e.segments = split_path(pattern);
  e.route.method = std::move(method);
  e.route.pattern = std::move(pattern);
  e.route.role = role;
  e.handler = std::move(handler);
  routes_.push_back(std::move(e));
}

void Router::mount(std::string prefix, Role role, std::function<HttpResponse(HttpRequest&)> handle,
                   std::function<BodyPlan(const HttpRequest&)> plan_body) {
  mounts_.push_back({std::move(prefix), role, std::move(handle), std::move(plan_body)});
  std::stable_sort(mounts_.begin(), mounts_.end(), [](const Mount& a, const Mount& b) {
    return a.prefix.size() > b.prefix.size();
  });
}

Router::Match Router::match(const std::string& method, const std::string& path) const {
  Match m;
  for (const Mount& mount : mounts_) {
    if (path.rfind(mount.prefix, 0) != 0) continue;
    m.kind = Match::Kind::kMount;
    m.route.method = method;
    m.route.pattern = mount.prefix;
    m.route.role = mount.role;
    m.mounted = &mount.handle;
    m.plan_body = mount.plan_body ? &mount.plan_body : nullptr;
    return m;
  }
  bool path_matched = false;
  for (const Entry& e : routes_) {
    std::map<std::string, std::string> params;
    if (!match_segments(e.segments, path, params)) continue;
    bool method_ok = e.route.method == method || (method == "HEAD" && e.route.method == "GET");
    if (!method_ok) {
      path_matched = true;
      continue;
    }
    m.kind = Match::Kind::kRoute;
    m.route = e.route;
    m.route.params = std::move(params);
    m.handler = &e.handler;
    return m;
  }
  if (path_matched) m.kind = Match::Kind::kWrongMethod;
  return m;
}

}  // namespace sluice::server
