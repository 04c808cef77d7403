#include "server/runtime_relay.h"

#include <algorithm>

#include "agent/agent_messages.h"
#include "agent/http_channel.h"
#include "agent/runtime_proxy.h"

namespace sluice::server {

using runtime::HttpRequest;
using runtime::HttpResponse;

namespace {

HttpResponse error(int status, std::string_view code, std::string_view message) {
  return HttpResponse::json(status, agent::encode_error(code, message));
}

}  // namespace

RuntimeRelay::RuntimeRelay(LeaseCheck check, std::string spool_dir)
    : check_(std::move(check)), spool_(std::move(spool_dir)) {}

std::string RuntimeRelay::lease_of(const std::string& path) {
  std::string_view rest = path;
  const std::string_view leases = "/api/v1/agent/leases/";
  if (rest.rfind(leases, 0) != 0) return "";
  rest.remove_prefix(leases.size());
  size_t slash = rest.find('/');
  if (slash == std::string_view::npos || rest.substr(slash).rfind("/runtime/", 0) != 0) return "";
  return std::string(rest.substr(0, slash));
}

runtime::BodyPlan RuntimeRelay::plan_body(const HttpRequest& head) {
  std::string origin;
  if (check_(lease_of(head.path), head.header("x-sluice-agent-session"), origin))
    return runtime::BodyPlan::memory(spool_.memory_limit());  // forward() refuses it
  return spool_.plan(head);
}

// Checked like any report of the lease, then sent to the run's services on this machine's
// loopback (a blob upload takes its time: the hub's lock is not held). Their reply goes back
// as it came (from memory or its spool file), with their origin named so that the agent puts
// its own in the URLs they return.
HttpResponse RuntimeRelay::forward(const HttpRequest& request) {
  std::string lease_id = lease_of(request.path), origin;
  if (auto refused = check_(lease_id, request.header("x-sluice-agent-session"), origin))
    return std::move(*refused);
  if (origin.empty()) return error(404, "not_found", "the job has no runtime services");
  std::string prefix = "/api/v1/agent/leases/" + lease_id + "/runtime";
  std::string target = request.target.substr(std::min(request.target.size(), prefix.size()));
  if (target.empty() || target[0] != '/') target = "/" + target;
  agent::Headers headers;
  for (const auto& [name, value] : request.headers) {
    if (name == agent::kRuntimeAuthorizationHeader)
      headers.emplace_back("authorization", value);
    else if (agent::forwarded_header(name))
      headers.emplace_back(name, value);
  }
  auto channel = agent::open_http_channel(origin);
  if (!channel.ok()) return error(502, "runtime", channel.error().message);
  auto reply = (*channel)->exchange(spool_.relay(request, std::move(target), std::move(headers)));
  if (!reply.ok())
    return error(502, "runtime", "the run's runtime services: " + reply.error().message);
  HttpResponse response;
  response.status = reply->status;
  agent::take_body(*reply, response);
  for (auto& [name, value] : reply->headers) {
    if (name == "content-type")
      response.content_type = value;
    else if (agent::forwarded_header(name))
      response.headers.emplace_back(name, value);
  }
  response.headers.emplace_back(agent::kRuntimeOriginHeader, origin);
  return response;
}

}  // namespace sluice::server
